"""Settings of the order service, read from `CNOP_ORDER_*` environment variables."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class OrderServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CNOP_ORDER_", extra="ignore", frozen=True)

    fee_bps: int = Field(
        default=10,
        ge=0,
        le=1000,
        description="Trading fee in basis points of the order value (10 = 0.10 %), "
        "charged on buys and sells and recorded on each order.",
    )
    max_price_age_s: float = Field(
        default=60.0,
        gt=0,
        description="Seconds after which a stored price is too old to trade on (503).",
    )
    transaction_max_attempts: int = Field(
        default=5,
        ge=1,
        le=10,
        description="TransactWriteItems attempts on conflicts, throttling and transport errors.",
    )
    sell_max_attempts: int = Field(
        default=20,
        ge=1,
        le=50,
        description="Attempts of a sell whose holding changed between its read and its "
        "write; each attempt rereads the cost basis.",
    )
    sell_retry_base_delay_s: float = Field(
        default=0.01, ge=0, description="Base of the jittered backoff between sell attempts."
    )
    idempotency_retention_h: int = Field(
        default=24, ge=24, description="Hours an Idempotency-Key is remembered."
    )

    @property
    def max_price_age(self) -> timedelta:
        return timedelta(seconds=self.max_price_age_s)

    @property
    def idempotency_retention(self) -> timedelta:
        return timedelta(hours=self.idempotency_retention_h)


@lru_cache
def get_settings() -> OrderServiceSettings:
    return OrderServiceSettings()
