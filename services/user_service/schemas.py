"""Request and response models of the user service; storage models live in common.entities."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    WithJsonSchema,
    model_validator,
)

from common.entities.cash import CashTransactionType
from common.money import UsdAmountInput, UsdString
from common.security.tokens import Role

# Absolute bound on any password field, so that a huge body is a 422 before hashing; the
# configurable policy (CNOP_USER_PASSWORD_MIN_LENGTH / _MAX_LENGTH) is checked in the service.
PASSWORD_FIELD_MAX = 1024


def _canonical(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


def _check_email(value: str) -> str:
    """Check the address syntax with email-validator; DNS is never queried."""
    if len(value) > 254:
        raise ValueError("must be at most 254 characters long")
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as error:
        raise ValueError(f"must be an e-mail address such as ada@example.com: {error}") from None
    return value


USERNAME_PATTERN = re.compile(r"^[a-z0-9](?:[a-z0-9_.-]*[a-z0-9])?$")


def _check_username(value: str) -> str:
    if not 3 <= len(value) <= 32:
        raise ValueError("must be 3 to 32 characters long")
    if not USERNAME_PATTERN.fullmatch(value):
        raise ValueError(
            "may contain only letters, digits, '_', '.' and '-', and must start and end with "
            "a letter or digit"
        )
    return value


Username = Annotated[
    str,
    AfterValidator(_check_username),
    BeforeValidator(_canonical),
    WithJsonSchema(
        {
            "type": "string",
            "minLength": 3,
            "maxLength": 32,
            "pattern": USERNAME_PATTERN.pattern,
            "description": "3-32 characters: letters, digits, `_`, `.`, `-`, starting and "
            "ending with a letter or digit; stored in lower case.",
            "examples": ["ada"],
        }
    ),
]
# NOTE: the syntax is checked, but no mail is sent, so an address is never proven to exist.
Email = Annotated[
    str,
    AfterValidator(_check_email),
    BeforeValidator(_canonical),
    WithJsonSchema(
        {"type": "string", "format": "email", "maxLength": 254, "examples": ["ada@example.com"]}
    ),
]
Password = Annotated[SecretStr, Field(min_length=1, max_length=PASSWORD_FIELD_MAX)]
PersonName = Annotated[str, Field(min_length=1, max_length=100)]


class UserCreate(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "username": "ada",
                    "email": "ada@example.com",
                    "password": "correct horse battery staple",
                    "first_name": "Ada",
                    "last_name": "Lovelace",
                }
            ]
        }
    )

    username: Username
    email: Email
    password: Password
    first_name: PersonName | None = None
    last_name: PersonName | None = None


class UserUpdate(BaseModel):
    """Profile fields to change; omitted fields keep their value."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"email": "ada@lovelace.example", "last_name": "King"}]}
    )

    email: Email | None = None
    first_name: PersonName | None = None
    last_name: PersonName | None = None

    @model_validator(mode="after")
    def _require_a_field(self) -> UserUpdate:
        if not self.model_fields_set:
            raise ValueError("name at least one of email, first_name, last_name")
        return self


class UserPublic(BaseModel):
    username: str
    email: str
    first_name: str | None
    last_name: str | None
    role: Role
    created_at: str = Field(examples=["2026-12-04T20:10:48.123456Z"])


class LoginRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"username": "ada", "password": "correct horse battery staple"}]
        }
    )

    username: Annotated[str, BeforeValidator(_canonical), Field(min_length=1, max_length=64)]
    password: Password


class RefreshRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "refresh_token": "0f1e2d3c4b5a69788796a5b4c3d2e1f0."
                    "Yq3kz0lQ4m8pX2vJfN6tR1sWbC9hD7eA5uK0oIyGxLM"
                }
            ]
        }
    )

    refresh_token: Annotated[str, Field(min_length=1, max_length=200)]


class TokenPair(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth 2.0 type name
    expires_in: int = Field(description="Seconds until the access token expires.")
    refresh_token: str = Field(description="Opaque; exchange it once at POST /auth/refresh.")
    refresh_expires_in: int = Field(description="Seconds until the refresh token expires.")


class PasswordChange(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "current_password": "correct horse battery staple",
                    "new_password": "another long passphrase",
                }
            ]
        }
    )

    current_password: Password
    new_password: Password


class BalancePublic(BaseModel):
    username: str
    currency: str = "USD"
    amount: UsdString
    updated_at: str


class CashMovement(BaseModel):
    """A deposit or withdrawal: a positive USD amount with at most 2 decimal places."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"amount": "250.00"}]})

    amount: UsdAmountInput


class CashTransactionPublic(BaseModel):
    transaction_id: str
    type: CashTransactionType
    amount: UsdString = Field(description="Signed: positive into the balance, negative out.")
    currency: str = "USD"
    fee: UsdString | None = None
    reference_id: str | None = Field(default=None, description="The order id of an order entry.")
    description: str | None = None
    created_at: str


class CashTransactionPage(BaseModel):
    items: list[CashTransactionPublic]
    next_token: str | None = Field(
        default=None, description="Pass as `next_token` for the next page; absent on the last."
    )


class Jwks(BaseModel):
    keys: list[dict[str, str]]
