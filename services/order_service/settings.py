"""Settings of the order service, read from `CNOP_ORDER_*` environment variables."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class OrderServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CNOP_ORDER_", extra="ignore", frozen=True)


@lru_cache
def get_settings() -> OrderServiceSettings:
    return OrderServiceSettings()
