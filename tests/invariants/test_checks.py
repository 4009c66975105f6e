"""The invariant checks on snapshots built in memory: each kind of violation is named."""

from __future__ import annotations

from decimal import Decimal

import pytest

from common.entities.cash import CashBalance, CashTransaction, CashTransactionType
from common.entities.orders import AssetBalance, AssetTransaction, Order
from devstack.invariants import Snapshot, check_snapshot

ORDER_ID = "a" * 32
TRADER = "ada"


def balance(amount: str, username: str = TRADER) -> CashBalance:
    item = CashBalance.opening(username)
    item.amount = Decimal(amount)
    return item


def entry(
    kind: CashTransactionType, amount: str, reference_id: str | None = None
) -> CashTransaction:
    return CashTransaction.new(
        username=TRADER, type=kind, amount=Decimal(amount), reference_id=reference_id
    )


def order(side: str = "buy", quantity: str = "2", gross: str = "20.00", fee: str = "0.02") -> Order:
    net = Decimal(gross) + Decimal(fee) if side == "buy" else Decimal(gross) - Decimal(fee)
    return Order(
        ORDER_ID, "ORDER", username=TRADER, order_id=ORDER_ID, asset_id="BTC", side=side,
        order_type=f"market_{side}", status="filled", quantity=Decimal(quantity),
        price=Decimal(10), gross_amount=Decimal(gross), fee=Decimal(fee), net_amount=net,
    )  # fmt: skip


def holding(quantity: str, cost_basis: str = "20.02") -> AssetBalance:
    return AssetBalance(
        f"USER#{TRADER}", "BALANCE#BTC", username=TRADER, asset_id="BTC",
        quantity=Decimal(quantity), cost_basis=Decimal(cost_basis), version=1,
    )  # fmt: skip


def movement(quantity: str, order_id: str = ORDER_ID) -> AssetTransaction:
    return AssetTransaction(
        f"USER#{TRADER}", f"TXN#BTC#{order_id}", transaction_id=order_id, username=TRADER,
        asset_id="BTC", type="buy", quantity=Decimal(quantity), price=Decimal(10),
        order_id=order_id,
    )  # fmt: skip


def clean() -> Snapshot:
    """A deposit of 100 and one buy of 2 BTC at 10 USD with a 0.02 fee."""
    return Snapshot(
        balances=[balance("79.98")],
        ledger=[
            entry(CashTransactionType.DEPOSIT, "100.00"),
            entry(CashTransactionType.ORDER_BUY, "-20.02", ORDER_ID),
        ],
        orders=[order()],
        holdings=[holding("2")],
        asset_transactions=[movement("2")],
    )


def checks(snapshot: Snapshot) -> set[str]:
    return {violation.check for violation in check_snapshot(snapshot).violations}


def test_clean_snapshot_passes() -> None:
    report = check_snapshot(clean())

    assert report.ok
    assert report.lines()[-1] == "no violations"


def test_duplicate_ledger_entry_is_reported() -> None:
    snapshot = clean()
    snapshot.ledger.append(entry(CashTransactionType.ORDER_BUY, "-20.02", ORDER_ID))
    snapshot.balances = [balance("59.96")]

    assert checks(snapshot) == {"order_ledger", "cash_identity"}


def test_duplicate_asset_transaction_is_reported() -> None:
    snapshot = clean()
    snapshot.asset_transactions.append(movement("2"))
    snapshot.holdings = [holding("4")]

    assert checks(snapshot) == {"order_asset"}


@pytest.mark.parametrize(
    ("kind", "amount", "check"),
    [
        (CashTransactionType.DEPOSIT, "-1.00", "ledger_sign"),
        (CashTransactionType.WITHDRAWAL, "1.00", "ledger_sign"),
        ("refund", "1.00", "ledger_type"),
    ],
)
def test_bad_ledger_entry_is_reported(kind: str, amount: str, check: str) -> None:
    snapshot = clean()
    bad = entry(CashTransactionType.DEPOSIT, amount)
    bad.type = kind
    snapshot.ledger.append(bad)
    snapshot.balances = [balance(str(Decimal("79.98") + Decimal(amount)))]

    assert check in checks(snapshot)


def test_ledger_without_balance_is_reported() -> None:
    snapshot = clean()
    snapshot.balances = []

    assert "cash_balance" in checks(snapshot)


def test_holding_without_transactions_is_reported() -> None:
    snapshot = clean()
    snapshot.asset_transactions = []

    assert {"holding", "order_asset"} <= checks(snapshot)


def test_transactions_without_holding_are_reported() -> None:
    snapshot = clean()
    snapshot.holdings = []

    assert checks(snapshot) == {"holding"}


def test_empty_holding_with_cost_basis_is_reported() -> None:
    snapshot = clean()
    snapshot.holdings = [holding("0", cost_basis="0.01")]
    snapshot.asset_transactions = [movement("2"), movement("-2", "b" * 32)]

    assert "cost_basis" in checks(snapshot)


def test_wrong_link_amounts_are_reported() -> None:
    # Given the ledger entry and the asset transaction disagree with the order
    snapshot = clean()
    snapshot.ledger[1] = entry(CashTransactionType.ORDER_BUY, "-20.00", ORDER_ID)
    snapshot.balances = [balance("80.00")]
    snapshot.asset_transactions = [movement("3")]
    snapshot.holdings = [holding("3")]

    report = check_snapshot(snapshot)

    details = {violation.check: violation.detail for violation in report.violations}
    assert details["order_ledger"] == "ledger amount -20.00 != -20.02"
    assert details["order_asset"] == "asset quantity 3 != 2"


def test_link_to_another_user_is_reported() -> None:
    snapshot = clean()
    snapshot.ledger[1].username = "bob"
    snapshot.asset_transactions[0].username = "bob"

    assert {"order_ledger", "order_asset"} <= checks(snapshot)


def test_sell_links_and_identity_pass() -> None:
    # Given a buy of 2 and a sell of 1 at 10 USD, fees 0.02 and 0.01
    snapshot = clean()
    sell = order("sell", quantity="1", gross="10.00", fee="0.01")
    sell.order_id = sell.pk = "b" * 32
    snapshot.orders.append(sell)
    snapshot.ledger.append(entry(CashTransactionType.ORDER_SELL, "9.99", "b" * 32))
    snapshot.balances = [balance("89.97")]
    snapshot.asset_transactions.append(movement("-1", "b" * 32))
    snapshot.holdings = [holding("1", cost_basis="10.01")]

    report = check_snapshot(snapshot)

    assert report.violations == []
    assert report.totals.fees == Decimal("0.03")
    assert report.totals.held == Decimal("90.00")
