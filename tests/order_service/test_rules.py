"""Trading arithmetic and cursor decoding, without a database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from common.errors import InvalidCursorError
from common.pagination import CursorSpec
from order_service.rules import (
    average_cost,
    buy_execution,
    cost_basis_sold,
    fee_for,
    quantity_for_notional,
    sell_execution,
)


def test_buy_rounds_cost_and_fee_up() -> None:
    execution = buy_execution(Decimal("0.00123456"), Decimal("91234.57"), 10)

    assert execution.gross_amount == Decimal("112.64")
    assert execution.fee == Decimal("0.12")
    assert execution.net_amount == Decimal("112.76")


def test_sell_rounds_proceeds_down_and_fee_up() -> None:
    execution = sell_execution(Decimal("0.00123456"), Decimal("91234.57"), 10)

    assert execution.gross_amount == Decimal("112.63")
    assert execution.fee == Decimal("0.12")
    assert execution.net_amount == Decimal("112.51")


@pytest.mark.parametrize(
    ("gross", "bps", "fee"),
    [("100.00", 10, "0.10"), ("100.01", 10, "0.11"), ("0.01", 10, "0.01"), ("50.00", 0, "0.00")],
)
def test_fee_rounds_up(gross: str, bps: int, fee: str) -> None:
    assert fee_for(Decimal(gross), bps) == Decimal(fee)


def test_sell_fee_never_exceeds_gross() -> None:
    assert sell_execution(Decimal("1"), Decimal("0.01"), 1000).net_amount == Decimal("0.00")


def test_notional_quantity_rounds_down_to_step() -> None:
    assert quantity_for_notional(Decimal("50.00"), Decimal("33.337"), Decimal("0.001")) == Decimal(
        "1.499"
    )
    assert quantity_for_notional(Decimal("0.99"), Decimal("1.00"), Decimal("1")) == Decimal("0")


def test_notional_quantity_never_exceeds_notional() -> None:
    # 1/3 is rounded to 28 digits, so notional / price / step can land on a whole step.
    price = Decimal(1) / Decimal(3)
    quantity = quantity_for_notional(Decimal("1.00"), price, Decimal("1E-27"))

    assert quantity * price <= Decimal("1.00")


def test_cost_basis_sold_is_average_cost() -> None:
    assert cost_basis_sold(Decimal("100.13"), Decimal("3"), Decimal("2")) == Decimal("66.75")
    assert cost_basis_sold(Decimal("33.38"), Decimal("1"), Decimal("1")) == Decimal("33.38")
    assert average_cost(Decimal("100.13"), Decimal("3")) == Decimal("33.37666667")
    assert average_cost(Decimal("0"), Decimal("0")) is None


def test_cursor_round_trip_and_rejects() -> None:
    spec = CursorSpec(("pk", "sk"), lambda key: key["pk"] == "USER#a")

    class Item:
        pk = "USER#a"
        sk = "TXN#X#1"

    token = spec.encode(Item())

    assert spec.decode(token) == {"pk": {"S": "USER#a"}, "sk": {"S": "TXN#X#1"}}
    assert spec.decode(None) is None
    for bad in ("x" * 3000, "eyJwayI6IDF9", "e30", "%%%"):
        with pytest.raises(InvalidCursorError):
            spec.decode(bad)
