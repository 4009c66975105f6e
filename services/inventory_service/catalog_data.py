"""The seed catalog: the 12 assets whose hourly bars ship in `data/prices`."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from common.entities.catalog import AssetStatus


@dataclass(frozen=True)
class AssetDefinition:
    asset_id: str
    name: str
    category: str
    quantity_step: Decimal
    price_tick: Decimal
    min_notional: Decimal  # USD
    live_price_id: str  # CoinGecko coin id
    status: AssetStatus = AssetStatus.TRADING


def _asset(
    asset_id: str, name: str, category: str, step: str, tick: str, live_price_id: str
) -> AssetDefinition:
    return AssetDefinition(
        asset_id=asset_id,
        name=name,
        category=category,
        quantity_step=Decimal(step),
        price_tick=Decimal(tick),
        min_notional=Decimal("1.00"),
        live_price_id=live_price_id,
    )


# Ticks give every price at least four significant digits over the data's range; steps
# make the smallest quantity worth well under the minimum notional of 1 USD.
SEED_ASSETS: tuple[AssetDefinition, ...] = (
    _asset("BTC", "Bitcoin", "layer1", "0.00000001", "0.01", "bitcoin"),
    _asset("ETH", "Ethereum", "layer1", "0.00000001", "0.01", "ethereum"),
    _asset("SOL", "Solana", "layer1", "0.0001", "0.01", "solana"),
    _asset("XRP", "XRP", "payments", "0.01", "0.0001", "ripple"),
    _asset("BNB", "BNB", "exchange", "0.0001", "0.01", "binancecoin"),
    _asset("DOGE", "Dogecoin", "meme", "1", "0.00001", "dogecoin"),
    _asset("ADA", "Cardano", "layer1", "0.1", "0.0001", "cardano"),
    _asset("DOT", "Polkadot", "layer0", "0.01", "0.001", "polkadot"),
    _asset("LTC", "Litecoin", "payments", "0.0001", "0.01", "litecoin"),
    _asset("AVAX", "Avalanche", "layer1", "0.001", "0.01", "avalanche-2"),
    _asset("LINK", "Chainlink", "oracle", "0.01", "0.001", "chainlink"),
    _asset("MATIC", "Polygon (MATIC)", "layer2", "0.1", "0.0001", "matic-network"),
)

SEED_ASSETS_BY_ID = {asset.asset_id: asset for asset in SEED_ASSETS}
