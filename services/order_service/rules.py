"""Trading arithmetic: order sizing, rounding to the cent, fees and realized P&L.

Every function is pure and exact on `Decimal`. docs/trading.md states the same rules for
people: cost rounds up and proceeds round down to the cent, the fee rounds up to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

CENT = Decimal("0.01")
BASIS_POINTS = Decimal(10_000)
AVERAGE_COST_EXPONENT = Decimal("1E-8")


@dataclass(frozen=True)
class Execution:
    """The cash side of one fill, all amounts in USD."""

    gross_amount: Decimal  # quantity x price, rounded to the cent against the trader
    fee: Decimal
    net_amount: Decimal  # cash out on a buy (gross + fee), cash in on a sell (gross - fee)


def round_up_to_cent(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_CEILING)


def round_down_to_cent(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_FLOOR)


def fee_for(gross_amount: Decimal, fee_bps: int) -> Decimal:
    """Return the fee on an order value, rounded up so it is never below the stated rate."""
    return round_up_to_cent(gross_amount * fee_bps / BASIS_POINTS)


def buy_execution(quantity: Decimal, price: Decimal, fee_bps: int) -> Execution:
    gross = round_up_to_cent(quantity * price)
    fee = fee_for(gross, fee_bps)
    return Execution(gross_amount=gross, fee=fee, net_amount=gross + fee)


def sell_execution(quantity: Decimal, price: Decimal, fee_bps: int) -> Execution:
    gross = round_down_to_cent(quantity * price)
    fee = min(fee_for(gross, fee_bps), gross)
    return Execution(gross_amount=gross, fee=fee, net_amount=gross - fee)


def quantity_for_notional(notional: Decimal, price: Decimal, step: Decimal) -> Decimal:
    """Return the largest multiple of `step` whose value at `price` is at most `notional`."""
    steps = (notional / price / step).to_integral_value(rounding=ROUND_FLOOR)
    quantity = steps * step
    # The quotient above is rounded to 28 digits and may land one step too high.
    while quantity > 0 and quantity * price > notional:
        quantity -= step
    return quantity


def cost_basis_sold(cost_basis: Decimal, held: Decimal, sold: Decimal) -> Decimal:
    """Return the part of a holding's cost basis that leaves with `sold` (average cost).

    Selling the whole holding removes the whole basis, so no cent stays behind.
    """
    if sold >= held:
        return cost_basis
    return (cost_basis * sold / held).quantize(CENT, rounding=ROUND_HALF_EVEN)


def average_cost(cost_basis: Decimal, quantity: Decimal) -> Decimal | None:
    if quantity <= 0:
        return None
    return (cost_basis / quantity).quantize(AVERAGE_COST_EXPONENT, rounding=ROUND_HALF_EVEN)


def market_value(quantity: Decimal, price: Decimal) -> Decimal:
    return (quantity * price).quantize(CENT, rounding=ROUND_HALF_EVEN)
