"""Settings of the inventory service, read from `CNOP_INVENTORY_*` environment variables."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from functools import lru_cache

from pydantic import AwareDatetime, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class PriceProviderName(StrEnum):
    REPLAY = "replay"
    SIMULATED = "simulated"
    LIVE = "live"


class InventoryServiceSettings(BaseSettings):
    """Price feed and catalog settings; docs/prices.md explains how they interact."""

    model_config = SettingsConfigDict(env_prefix="CNOP_INVENTORY_", extra="ignore", frozen=True)

    price_provider: PriceProviderName = Field(
        default=PriceProviderName.REPLAY,
        description="Where prices come from: replay (shipped hourly bars), simulated "
        "(seeded random walk) or live (HTTP provider at live_provider_url).",
    )
    price_feed_enabled: bool = Field(
        default=True,
        description="Run the price feed thread in this process. Every replica may run it: "
        "the writer lease lets exactly one of them write.",
    )
    price_update_interval_s: float = Field(
        default=5.0, gt=0, le=3600, description="Wall-clock seconds between two price updates."
    )
    lease_duration_s: float = Field(
        default=15.0,
        gt=0,
        le=3600,
        description="Seconds a writer lease lasts without renewal; another replica takes "
        "over after it expires. Must exceed price_update_interval_s.",
    )
    replay_speed: float = Field(
        default=60.0,
        gt=0,
        le=1_000_000,
        description="Market seconds replayed per wall-clock second (60: one hourly bar "
        "per minute).",
    )
    replay_start: AwareDatetime | None = Field(
        default=None,
        description="Market time (with a UTC offset) where the replay starts; unset means "
        "the first bar of the data.",
    )
    simulated_seed: int = Field(default=42, description="Seed of the simulated random walk.")
    simulated_volatility: float = Field(
        default=0.8,
        gt=0,
        le=10,
        description="Annualized volatility of the simulated walk (0.8 = 80 % a year).",
    )
    simulated_time_scale: float = Field(
        default=60.0,
        gt=0,
        le=1_000_000,
        description="Simulated market seconds per wall-clock second, like replay_speed.",
    )
    live_provider_url: str | None = Field(
        default=None,
        pattern=r"^https?://",
        description="Base URL of a CoinGecko-compatible API, for example "
        "https://api.coingecko.com/api/v3; required when price_provider is live.",
    )
    live_timeout_s: float = Field(
        default=5.0, gt=0, le=60, description="Timeout of one live provider request, seconds."
    )
    live_max_attempts: int = Field(
        default=3, ge=1, le=10, description="Live provider attempts per update, retries included."
    )
    tick_retention_hours: int = Field(
        default=168,
        ge=25,
        le=24 * 366,
        description="Hours a stored price tick is kept (DynamoDB TTL); at least 25 so the "
        "24 h change always has a reference.",
    )
    max_candles: int = Field(
        default=1000, ge=1, le=10_000, description="Most candles one history request returns."
    )

    @model_validator(mode="after")
    def _check_feed(self) -> InventoryServiceSettings:
        if self.lease_duration_s <= self.price_update_interval_s:
            raise ValueError(
                "CNOP_INVENTORY_LEASE_DURATION_S must be greater than "
                "CNOP_INVENTORY_PRICE_UPDATE_INTERVAL_S, or the lease lapses between updates"
            )
        if self.price_provider is PriceProviderName.LIVE and self.live_provider_url is None:
            raise ValueError(
                "CNOP_INVENTORY_LIVE_PROVIDER_URL is required when "
                "CNOP_INVENTORY_PRICE_PROVIDER is live"
            )
        return self

    @property
    def update_interval(self) -> timedelta:
        return timedelta(seconds=self.price_update_interval_s)

    @property
    def lease_duration(self) -> timedelta:
        return timedelta(seconds=self.lease_duration_s)

    @property
    def tick_retention(self) -> timedelta:
        return timedelta(hours=self.tick_retention_hours)


@lru_cache
def get_settings() -> InventoryServiceSettings:
    return InventoryServiceSettings()
