"""Settings of the user service, read from `CNOP_USER_*` environment variables."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class UserServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CNOP_USER_", extra="ignore", frozen=True)


@lru_cache
def get_settings() -> UserServiceSettings:
    return UserServiceSettings()
