"""Exact decimal types for API schemas: USD amounts, quantities and prices.

Inputs may be JSON strings or numbers (routers use `ExactJSONRoute`, so numbers arrive as
`Decimal`); outputs are JSON strings. NaN, infinities, booleans and over-precise values
are rejected, never rounded.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, PlainSerializer, WithJsonSchema

CENT = Decimal("0.01")
MAX_DIGITS = 28
# Bounds that keep every value inside Decimal's default 28-digit context and DynamoDB's
# number range, whatever a single service allows on top.
MAX_MAGNITUDE = Decimal("1E18")
MIN_EXPONENT = -18


def to_decimal(value: Any) -> Decimal:
    """Convert a JSON string or number to a finite Decimal, or raise ValueError."""
    if isinstance(value, bool):
        raise ValueError("must be a number or a numeric string, not a boolean")
    if isinstance(value, float):
        # Only reached when a float bypasses ExactJSONRoute; repr is the shortest exact form.
        value = repr(value)
    if isinstance(value, str):
        value = value.strip()
    try:
        number = value if isinstance(value, Decimal) else Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError('must be a decimal number such as "10.50"') from None
    if not number.is_finite():
        raise ValueError("must be a finite number")
    if len(number.as_tuple().digits) > MAX_DIGITS:
        raise ValueError(f"must have at most {MAX_DIGITS} significant digits")
    if abs(number) >= MAX_MAGNITUDE:
        raise ValueError("must be less than 10^18 in absolute value")
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < MIN_EXPONENT and number != 0:
        raise ValueError(f"must have at most {-MIN_EXPONENT} decimal places")
    return number


def check_step(value: Decimal, step: Decimal, what: str) -> Decimal:
    """Raise ValueError unless `value` is a whole multiple of `step`; return it unchanged."""
    if value % step != 0:
        raise ValueError(f"{what} must be a multiple of {format(step.normalize(), 'f')}")
    return value


def _positive_usd(value: Decimal) -> Decimal:
    if value <= 0:
        raise ValueError("must be greater than 0")
    check_step(value, CENT, "a USD amount")
    return value.quantize(CENT)


def format_decimal(value: Decimal) -> str:
    """Render a Decimal in plain notation (no exponent), keeping its scale."""
    return format(value, "f")


def format_usd(value: Decimal) -> str:
    return format(value.quantize(CENT), "f")


_decimal_schema = WithJsonSchema({"type": "string", "format": "decimal", "example": "10.50"})

DecimalInput = Annotated[Decimal, BeforeValidator(to_decimal)]
"""Any finite decimal, from a JSON string or number."""

DecimalString = Annotated[
    Decimal, PlainSerializer(format_decimal, return_type=str, when_used="json"), _decimal_schema
]
"""A Decimal sent as a plain JSON string."""

UsdAmountInput = Annotated[
    Decimal, BeforeValidator(to_decimal), AfterValidator(_positive_usd), _decimal_schema
]
"""A positive USD amount with at most 2 decimal places, quantized to cents."""

UsdString = Annotated[
    Decimal, PlainSerializer(format_usd, return_type=str, when_used="json"), _decimal_schema
]
"""A USD amount sent as a JSON string with exactly 2 decimal places."""
