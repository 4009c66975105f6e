"""Settings of the user service, read from `CNOP_USER_*` environment variables."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from common.security.password import Argon2Parameters


class UserServiceSettings(BaseSettings):
    """Signing key, token lifetimes, login throttling, cash limits and password policy."""

    model_config = SettingsConfigDict(env_prefix="CNOP_USER_", extra="ignore", frozen=True)

    jwt_private_key_file: Path | None = Field(
        default=None, description="Path of the PEM file with the Ed25519 key that signs tokens."
    )
    jwt_private_key: SecretStr | None = Field(
        default=None, description="The signing key's PEM itself; the file wins when both are set."
    )
    access_token_ttl_s: int = Field(
        default=900, ge=60, le=86400, description="Lifetime of an access token, in seconds."
    )
    refresh_token_ttl_s: int = Field(
        default=7 * 86400,
        ge=300,
        le=90 * 86400,
        description="Seconds a refresh token stays usable; each rotation starts a new period.",
    )
    login_max_failures: int = Field(
        default=5, ge=1, le=1000, description="Failed logins of one account allowed per window."
    )
    login_failure_window_s: int = Field(
        default=900,
        ge=1,
        le=86400,
        description="Length of the fixed login-failure window, in seconds; a throttled "
        "account can log in again when its window ends.",
    )
    max_deposit_amount: Decimal = Field(
        default=Decimal("100000.00"), gt=0, description="Largest single deposit, in USD."
    )
    max_withdrawal_amount: Decimal = Field(
        default=Decimal("100000.00"), gt=0, description="Largest single withdrawal, in USD."
    )
    daily_deposit_limit: Decimal = Field(
        default=Decimal("250000.00"), gt=0, description="USD a user may deposit per UTC day."
    )
    daily_withdrawal_limit: Decimal = Field(
        default=Decimal("250000.00"), gt=0, description="USD a user may withdraw per UTC day."
    )
    password_min_length: int = Field(default=12, ge=8, le=1024, description="In characters.")
    password_max_length: int = Field(default=128, ge=8, le=1024, description="In characters.")
    argon2_time_cost: int = Field(default=3, ge=1, description="Argon2id iterations.")
    argon2_memory_cost_kib: int = Field(default=65536, ge=8, description="Argon2id memory, KiB.")
    argon2_parallelism: int = Field(default=4, ge=1, description="Argon2id lanes.")
    idempotency_retention_hours: int = Field(
        default=24, ge=24, description="Hours an Idempotency-Key record is kept (at least 24)."
    )

    @model_validator(mode="after")
    def _check_bounds(self) -> UserServiceSettings:
        if self.password_min_length > self.password_max_length:
            raise ValueError("password_min_length must not exceed password_max_length")
        return self

    @property
    def argon2(self) -> Argon2Parameters:
        return Argon2Parameters(
            time_cost=self.argon2_time_cost,
            memory_cost_kib=self.argon2_memory_cost_kib,
            parallelism=self.argon2_parallelism,
        )

    def private_key_pem(self) -> str | None:
        """Return the signing key PEM from the file or the variable, if either is set."""
        if self.jwt_private_key_file is not None:
            return self.jwt_private_key_file.read_text()
        if self.jwt_private_key is not None:
            return self.jwt_private_key.get_secret_value()
        return None


@lru_cache
def get_settings() -> UserServiceSettings:
    return UserServiceSettings()
