"""Request and response models of the order service; storage models live in common.entities."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from common.entities.orders import OrderSide, OrderStatus, OrderType
from common.money import DecimalInput, DecimalString, UsdAmountInput, UsdString

ASSET_ID_PATTERN = r"^[A-Za-z0-9]{1,20}$"
CLIENT_ORDER_ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"


def _positive(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("must be greater than 0")
    return value


PositiveDecimalInput = Annotated[DecimalInput, AfterValidator(_positive)]

AssetId = Annotated[
    str,
    Field(pattern=ASSET_ID_PATTERN, description="Asset symbol, case-insensitive: BTC, eth"),
    AfterValidator(str.upper),
]


class OrderCreate(BaseModel):
    """A market order: a buy sized by `quantity` or `notional`, a sell by `quantity`."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"type": "market_buy", "asset_id": "BTC", "quantity": "0.015"},
                {"type": "market_buy", "asset_id": "ETH", "notional": "250.00"},
                {"type": "market_sell", "asset_id": "BTC", "quantity": "0.005"},
            ]
        },
    )

    type: OrderType
    asset_id: AssetId
    quantity: PositiveDecimalInput | None = Field(
        default=None, description="Units of the asset, a multiple of the asset's quantity step."
    )
    notional: UsdAmountInput | None = Field(
        default=None,
        description="Market buys only: USD order value before the fee; the quantity is the "
        "largest multiple of the step that this amount buys at the current price.",
    )
    client_order_id: str | None = Field(
        default=None,
        pattern=CLIENT_ORDER_ID_PATTERN,
        description="Your own id for the order (letters, digits, `_.:-`, up to 64), unique "
        "per user.",
    )

    @model_validator(mode="after")
    def _one_size(self) -> Self:
        if self.type is OrderType.MARKET_SELL and self.notional is not None:
            raise ValueError("a market_sell is sized by quantity only; remove notional")
        if (self.quantity is None) == (self.notional is None):
            raise ValueError("give exactly one of quantity and notional")
        return self

    @property
    def side(self) -> OrderSide:
        return OrderSide.BUY if self.type is OrderType.MARKET_BUY else OrderSide.SELL


class OrderPublic(BaseModel):
    order_id: str
    client_order_id: str | None
    asset_id: str
    type: OrderType
    side: OrderSide
    status: OrderStatus
    quantity: DecimalString
    requested_notional: UsdString | None
    price: DecimalString = Field(description="USD per unit the order executed at.")
    price_as_of: datetime
    gross_amount: UsdString = Field(
        description="quantity x price, rounded up to the cent on a buy, down on a sell."
    )
    fee: UsdString
    fee_bps: int
    net_amount: UsdString = Field(
        description="Cash moved: gross_amount + fee paid on a buy, gross_amount - fee "
        "received on a sell."
    )
    realized_pnl: UsdString | None = Field(
        description="Sells only: net_amount minus the average cost basis of the quantity sold."
    )
    created_at: datetime


class OrderPage(BaseModel):
    items: list[OrderPublic]
    next_token: str | None = Field(description="Pass as next_token for the next page.")


class AssetBalancePublic(BaseModel):
    asset_id: str
    quantity: DecimalString
    cost_basis: UsdString = Field(description="USD paid, fees included, for the quantity held.")
    average_cost: DecimalString | None = Field(description="cost_basis / quantity, USD per unit.")
    realized_pnl: UsdString
    updated_at: datetime | None


class AssetBalanceList(BaseModel):
    items: list[AssetBalancePublic]


class AssetTransactionPublic(BaseModel):
    transaction_id: str
    asset_id: str
    type: OrderSide
    quantity: DecimalString = Field(description="Signed: positive on a buy, negative on a sell.")
    price: DecimalString
    order_id: str
    created_at: datetime


class AssetTransactionPage(BaseModel):
    items: list[AssetTransactionPublic]
    next_token: str | None


class PositionPublic(BaseModel):
    asset_id: str
    quantity: DecimalString
    average_cost: DecimalString | None
    cost_basis: UsdString
    current_price: DecimalString | None = Field(description="None when the asset has no price.")
    price_as_of: datetime | None
    market_value: UsdString | None = Field(description="quantity x current price, to the cent.")
    unrealized_pnl: UsdString | None = Field(description="market_value - cost_basis.")
    realized_pnl: UsdString


class PortfolioTotals(BaseModel):
    cash: UsdString
    market_value: UsdString = Field(description="Sum over positions that have a price.")
    equity: UsdString = Field(description="cash + market_value.")
    cost_basis: UsdString
    unrealized_pnl: UsdString
    realized_pnl: UsdString


class PortfolioPublic(BaseModel):
    username: str
    cash: UsdString
    currency: str
    positions: list[PositionPublic]
    totals: PortfolioTotals
