"""Settings shared by every service, read from `CNOP_*` environment variables.

Each service adds its own settings class with its own prefix (`CNOP_USER_`,
`CNOP_INVENTORY_`, `CNOP_ORDER_`); what every service needs identically lives here.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from common.faults import FaultSpec


class Environment(StrEnum):
    DEV = "dev"
    TEST = "test"
    PROD = "prod"


class CommonSettings(BaseSettings):
    """Infrastructure settings that every service reads the same way."""

    model_config = SettingsConfigDict(env_prefix="CNOP_", extra="ignore", frozen=True)

    environment: Environment = Field(
        default=Environment.DEV,
        description="dev and test allow local shortcuts such as generated keys; prod rejects them.",
    )
    aws_region: str = Field(default="us-east-1", description="AWS region of the DynamoDB tables.")
    dynamodb_endpoint_url: str | None = Field(
        default=None,
        description="DynamoDB endpoint; unset means AWS's regional endpoint, "
        "set it to DynamoDB Local's URL for local runs.",
    )
    table_prefix: str = Field(
        default="cnop-",
        pattern=r"^[A-Za-z0-9_.-]{0,64}$",
        description="Prefix of every table name, to isolate tests and parallel stacks.",
    )
    dynamodb_connect_timeout_s: float = Field(default=2.0, gt=0)
    dynamodb_read_timeout_s: float = Field(default=5.0, gt=0)
    dynamodb_max_retry_attempts: int = Field(
        default=2, ge=0, le=10, description="botocore retries for a single DynamoDB call."
    )
    log_level: str = Field(default="INFO", pattern=r"^(DEBUG|INFO|WARNING|ERROR)$")
    log_json: bool = Field(
        default=True, description="JSON lines when true, console text when false."
    )
    cors_origins: list[str] = Field(
        default=["http://localhost:3000", "http://127.0.0.1:3000"],
        description="Exact origins allowed to call the APIs from a browser.",
    )
    jwt_issuer: str = Field(default="cnop-user-service")
    jwt_audience: str = Field(default="cnop-api")
    jwt_public_key: SecretStr | None = Field(
        default=None, description="PEM of the Ed25519 public key that verifies access tokens."
    )
    jwt_public_key_file: Path | None = Field(
        default=None, description="Path of a PEM file with that public key (used when set)."
    )
    fault_injection: FaultSpec | None = Field(
        default=None,
        description="JSON fault-injection spec for DynamoDB calls (see common.faults); "
        "allowed only when the environment is test.",
    )

    @model_validator(mode="after")
    def _reject_wildcard_cors(self) -> CommonSettings:
        if "*" in self.cors_origins:
            raise ValueError("CNOP_CORS_ORIGINS must list exact origins; '*' is not allowed")
        return self

    @model_validator(mode="after")
    def _reject_faults_outside_test(self) -> CommonSettings:
        if self.fault_injection is not None and self.environment is not Environment.TEST:
            raise ValueError(
                "CNOP_FAULT_INJECTION is allowed only with CNOP_ENVIRONMENT=test, "
                f"not {self.environment.value}; unset it"
            )
        return self

    def public_key_pem(self) -> str | None:
        """Return the verification key PEM from the file or the variable, if either is set."""
        if self.jwt_public_key_file is not None:
            return self.jwt_public_key_file.read_text()
        if self.jwt_public_key is not None:
            return self.jwt_public_key.get_secret_value()
        return None


@lru_cache
def get_common_settings() -> CommonSettings:
    return CommonSettings()
