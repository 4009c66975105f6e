"""Catalog seed on DynamoDB Local: 12 assets with opening prices, idempotent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from common.entities.catalog import Asset, AssetPrice, AssetStatus
from common.prices import get_quote
from common.settings import CommonSettings
from inventory_service import seed
from inventory_service.catalog import all_assets
from inventory_service.market_data import load_bars
from inventory_service.seed import seed_catalog
from tests.inventory_service.conftest import T0, feed_settings


def test_seed_creates_catalog_with_prices(fresh_tables: CommonSettings) -> None:
    result = seed_catalog(feed_settings(), now=T0)

    assets = all_assets()
    assert result.assets_created == 12
    assert result.prices_created == 12
    assert [asset.asset_id for asset in assets][:3] == ["ADA", "AVAX", "BNB"]
    assert all(asset.status == AssetStatus.TRADING for asset in assets)
    btc = Asset.get(*Asset.key_for("BTC"))
    assert btc.quantity_step == Decimal("0.00000001")
    assert btc.min_notional == Decimal("1.00")
    quote = get_quote("BTC")
    assert quote is not None
    assert quote.price == load_bars("BTC", Decimal("0.01"))[0].open
    assert quote.source == "seed"


def test_seed_is_idempotent(fresh_tables: CommonSettings) -> None:
    # Given a seeded catalog where an admin halted DOGE and the feed moved its price
    seed_catalog(feed_settings(), now=T0)
    doge = Asset.get(*Asset.key_for("DOGE"))
    doge.update(actions=[Asset.status.set(AssetStatus.HALTED.value)])
    price = AssetPrice.get(*AssetPrice.key_for("DOGE"))
    price.update(actions=[AssetPrice.price.set(Decimal("0.5"))])

    # When the seed runs again
    result = seed_catalog(feed_settings())

    # Then nothing is created or overwritten
    assert result.assets_created == 0
    assert result.prices_created == 0
    assert len(all_assets()) == 12
    assert Asset.get(*Asset.key_for("DOGE")).status == AssetStatus.HALTED
    assert AssetPrice.get(*AssetPrice.key_for("DOGE")).price == Decimal("0.5")


def test_seed_command_uses_environment(
    fresh_tables: CommonSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CNOP_DYNAMODB_ENDPOINT_URL", str(fresh_tables.dynamodb_endpoint_url))
    monkeypatch.setenv("CNOP_TABLE_PREFIX", fresh_tables.table_prefix)
    monkeypatch.setenv("CNOP_AWS_REGION", fresh_tables.aws_region)

    seed.main()

    assert len(all_assets()) == 12
