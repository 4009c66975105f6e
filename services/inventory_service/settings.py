"""Settings of the inventory service, read from `CNOP_INVENTORY_*` environment variables."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class InventoryServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CNOP_INVENTORY_", extra="ignore", frozen=True)


@lru_cache
def get_settings() -> InventoryServiceSettings:
    return InventoryServiceSettings()
