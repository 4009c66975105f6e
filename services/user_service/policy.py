"""Checks whose limits come from settings, raised as 422 `validation_error` like schema errors."""

from __future__ import annotations

from decimal import Decimal

from pydantic import SecretStr

from common.errors import ValidationFailedError
from common.money import format_usd
from user_service.settings import UserServiceSettings


def invalid_field(field: str, message: str, error_type: str) -> ValidationFailedError:
    return ValidationFailedError(
        f"Invalid value in: {field}",
        extensions={"errors": [{"field": field, "message": message, "type": error_type}]},
    )


def check_password_policy(password: SecretStr, settings: UserServiceSettings, field: str) -> str:
    """Return the password text when its length is within the policy; raise 422 otherwise."""
    text = password.get_secret_value()
    if len(text) < settings.password_min_length:
        message = f"must have at least {settings.password_min_length} characters"
        raise invalid_field(field, message, "string_too_short")
    if len(text) > settings.password_max_length:
        message = f"must have at most {settings.password_max_length} characters"
        raise invalid_field(field, message, "string_too_long")
    return text


def check_max_amount(amount: Decimal, maximum: Decimal, field: str = "body.amount") -> None:
    if amount > maximum:
        message = f"must be at most {format_usd(maximum)} USD"
        raise invalid_field(field, message, "less_than_equal")
