"""Request and response models of the inventory API; amounts travel as JSON strings."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from common.entities.catalog import AssetStatus
from common.money import DecimalString, UsdAmountInput, UsdString, check_step, to_decimal
from inventory_service.history import CandleInterval

ASSET_ID_PATTERN = r"^[A-Za-z0-9]{1,20}$"
CATEGORY_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,31}$"
LIVE_PRICE_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"


def _positive(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("must be greater than 0")
    return value


PositiveDecimalInput = Annotated[
    Decimal,
    BeforeValidator(to_decimal),
    AfterValidator(_positive),
    WithJsonSchema({"type": "string", "format": "decimal", "example": "0.01"}),
]
"""A positive decimal from a JSON string or number."""


class AssetSort(StrEnum):
    ASSET_ID = "asset_id"
    NAME = "name"
    PRICE = "price"
    CHANGE_24H = "change_24h"


class SortOrder(StrEnum):
    ASC = "asc"
    DESC = "desc"


class AssetCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    asset_id: str = Field(
        pattern=ASSET_ID_PATTERN, description="Symbol, stored upper case (for example BTC)."
    )
    name: str = Field(min_length=1, max_length=100)
    category: str = Field(pattern=CATEGORY_PATTERN, description="Lower-case group, e.g. layer1.")
    quantity_step: PositiveDecimalInput = Field(description="Smallest quantity increment.")
    price_tick: PositiveDecimalInput = Field(description="Smallest price increment in USD.")
    min_notional: UsdAmountInput = Field(description="Smallest order value in USD (cents).")
    status: AssetStatus = AssetStatus.TRADING
    live_price_id: str | None = Field(
        default=None, pattern=LIVE_PRICE_ID_PATTERN, description="Coin id at the live provider."
    )
    initial_price: PositiveDecimalInput | None = Field(
        default=None,
        description="Opening price in USD, a multiple of price_tick; without it the asset "
        "has no price until a provider covers it.",
    )

    @field_validator("asset_id")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @model_validator(mode="after")
    def _price_on_tick(self) -> AssetCreate:
        if self.initial_price is not None:
            check_step(self.initial_price, self.price_tick, "initial_price")
        return self


class AssetUpdate(BaseModel):
    """Fields to change; omitted fields keep their value."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=100)
    category: str | None = Field(default=None, pattern=CATEGORY_PATTERN)
    quantity_step: PositiveDecimalInput | None = None
    price_tick: PositiveDecimalInput | None = None
    min_notional: UsdAmountInput | None = None
    live_price_id: str | None = Field(default=None, pattern=LIVE_PRICE_ID_PATTERN)

    @model_validator(mode="after")
    def _not_empty(self) -> AssetUpdate:
        if not self.model_fields_set:
            raise ValueError("at least one field must be given")
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class AssetStatusChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: AssetStatus
    reason: str | None = Field(default=None, max_length=500, description="Kept in the audit log.")


class AssetPublic(BaseModel):
    asset_id: str
    name: str
    category: str
    status: AssetStatus
    quantity_step: DecimalString
    price_tick: DecimalString
    min_notional: UsdString
    price: DecimalString | None = Field(description="Current USD price; null before the first.")
    price_as_of: datetime | None = Field(description="Market time of the price.")
    price_updated_at: datetime | None = Field(description="When the price was stored.")
    price_source: str | None
    change_24h_percent: DecimalString | None = Field(
        description="Change in percent since change_24h_since, 2 decimal places."
    )
    change_24h_since: datetime | None = Field(
        description="Time of the reference price: 24 h ago, or the oldest stored one while "
        "the history is shorter."
    )
    created_at: datetime
    updated_at: datetime


class AssetPage(BaseModel):
    items: list[AssetPublic]
    next_token: str | None = Field(description="Pass as next_token for the next page.")


class CandlePublic(BaseModel):
    start: datetime
    open: DecimalString
    high: DecimalString
    low: DecimalString
    close: DecimalString
    ticks: int = Field(description="Stored prices aggregated into this candle.")


class CandleHistory(BaseModel):
    asset_id: str
    interval: CandleInterval
    from_time: datetime = Field(serialization_alias="from")
    to_time: datetime = Field(serialization_alias="to")
    candles: list[CandlePublic]
