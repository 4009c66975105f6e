"""`make invariants`: prove the accounting identities over the users and orders tables.

The checker reads both tables whole with a consistent-read Scan. That is acceptable here
because this is an operator and test tool, never a request path. A Scan is not a snapshot,
so run it on a quiet stack: an order that commits while the scan runs can show up as a
false violation. It proves:

1. **cash balance**: each user's `BALANCE` equals the sum of that user's cash ledger
   amounts (signed: deposits and sell proceeds positive, withdrawals and buy costs
   negative), every ledger entry has a balance, deposits are positive, withdrawals negative;
2. **holding**: each asset balance's `quantity` equals the sum of its asset transactions'
   signed quantities, every asset transaction has a holding, `cost_basis >= 0`, and an
   empty holding has a zero cost basis;
3. **cash identity**, to the cent, over the whole platform::

       sum(cash balances) + sum(order fees)
           == sum(deposits) - sum(withdrawals) - sum(buy gross_amount) + sum(sell gross_amount)

   with deposits and withdrawals taken from the ledger (as positive amounts) and gross
   amounts and fees from the orders. It holds because a buy moves gross + fee out of cash
   and a sell moves gross - fee in;
4. **order links**: every order has exactly one cash ledger entry (`reference_id` = the
   order id, type `order_<side>`, amount -net on a buy and +net on a sell) and exactly one
   asset transaction (same order id, quantity +quantity on a buy and -quantity on a sell),
   and every order-type ledger entry and every asset transaction names an existing order;
5. **non-negative**: no cash balance and no holding quantity is below zero.

`python -m devstack.invariants` reads the endpoint and table prefix from the `CNOP_*`
settings (or `--endpoint-url`, `--table-prefix`), prints the counts it checked and each
violation, and exits with status 1 when there is any violation.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import structlog
from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PynamoDBException

from common.dynamodb.tables import ORDERS_TABLE, USERS_TABLE, dynamodb_client
from common.entities.cash import CashBalance, CashTransaction, CashTransactionType
from common.entities.orders import AssetBalance, AssetTransaction, Order, OrderSide
from common.money import format_usd
from common.settings import CommonSettings

log = structlog.get_logger(__name__)


def usd(amount: Decimal) -> str:
    """Format a total with two decimals; DynamoDB drops trailing zeros from stored numbers."""
    return format_usd(amount)


ZERO = Decimal(0)
ORDER_ENTRY_TYPES = {
    CashTransactionType.ORDER_BUY.value: OrderSide.BUY.value,
    CashTransactionType.ORDER_SELL.value: OrderSide.SELL.value,
}


@dataclass(frozen=True)
class Violation:
    """One broken identity: which check, on which item, and the values that disagree."""

    check: str
    subject: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.check}] {self.subject}: {self.detail}"


@dataclass
class Snapshot:
    """The money-related items of both tables, deserialized into their entity models."""

    balances: list[CashBalance] = field(default_factory=list)
    ledger: list[CashTransaction] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    holdings: list[AssetBalance] = field(default_factory=list)
    asset_transactions: list[AssetTransaction] = field(default_factory=list)


@dataclass(frozen=True)
class CashTotals:
    """The sums on both sides of the cash identity, in USD."""

    cash: Decimal
    fees: Decimal
    deposits: Decimal
    withdrawals: Decimal
    buy_gross: Decimal
    sell_gross: Decimal

    @property
    def held(self) -> Decimal:
        return self.cash + self.fees

    @property
    def moved(self) -> Decimal:
        return self.deposits - self.withdrawals - self.buy_gross + self.sell_gross


@dataclass
class Report:
    snapshot: Snapshot
    totals: CashTotals
    violations: list[Violation]

    @property
    def ok(self) -> bool:
        return not self.violations

    def lines(self) -> list[str]:
        """Render the counts, the identity's two sides and each violation."""
        snapshot, totals = self.snapshot, self.totals
        types = Counter(entry.type for entry in snapshot.ledger)
        lines = [
            f"cash balances: {len(snapshot.balances)}",
            f"cash ledger entries: {len(snapshot.ledger)} ("
            + ", ".join(f"{name} {count}" for name, count in sorted(types.items()))
            + ")",
            f"orders: {len(snapshot.orders)}",
            f"holdings: {len(snapshot.holdings)}",
            f"asset transactions: {len(snapshot.asset_transactions)}",
            f"cash {usd(totals.cash)} + fees {usd(totals.fees)} = {usd(totals.held)}; "
            f"deposits {usd(totals.deposits)} - withdrawals {usd(totals.withdrawals)} - buys "
            f"{usd(totals.buy_gross)} + sells {usd(totals.sell_gross)} = {usd(totals.moved)}",
        ]
        if self.ok:
            lines.append("no violations")
        else:
            lines.append(f"{len(self.violations)} violation(s):")
            lines.extend(f"  {violation}" for violation in self.violations)
        return lines


# Reading -----------------------------------------------------------------------------------


def scan_items(client: Any, table_name: str) -> Iterator[dict[str, Any]]:
    """Yield every item of a table (consistent-read Scan, all pages)."""
    paginator = client.get_paginator("scan")
    for page in paginator.paginate(TableName=table_name, ConsistentRead=True):
        yield from page.get("Items", [])


def _key(item: dict[str, Any], name: str) -> str:
    return str(item.get(name, {}).get("S", ""))


def read_snapshot(client: Any, table_prefix: str) -> Snapshot:
    """Scan both tables and keep the items the identities are about, by their key shapes."""
    snapshot = Snapshot()
    for item in scan_items(client, USERS_TABLE.full_name(table_prefix)):
        pk, sk = _key(item, "pk"), _key(item, "sk")
        if not pk.startswith("USER#"):
            continue
        if sk == CashBalance.SORT_KEY:
            snapshot.balances.append(CashBalance.from_raw_data(item))
        elif sk.startswith("TXN#"):
            snapshot.ledger.append(CashTransaction.from_raw_data(item))
    for item in scan_items(client, ORDERS_TABLE.full_name(table_prefix)):
        pk, sk = _key(item, "pk"), _key(item, "sk")
        if sk == "ORDER":
            snapshot.orders.append(Order.from_raw_data(item))
        elif pk.startswith("USER#") and sk.startswith("BALANCE#"):
            snapshot.holdings.append(AssetBalance.from_raw_data(item))
        elif pk.startswith("USER#") and sk.startswith("TXN#"):
            snapshot.asset_transactions.append(AssetTransaction.from_raw_data(item))
    return snapshot


# Checks ------------------------------------------------------------------------------------


def check_cash_balances(snapshot: Snapshot) -> list[Violation]:
    """Check that each balance equals its ledger sum and that ledger signs match their types."""
    violations: list[Violation] = []
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for entry in snapshot.ledger:
        sums[entry.username] += entry.amount
        subject = f"ledger entry {entry.pk} {entry.sk}"
        if entry.type == CashTransactionType.DEPOSIT.value and entry.amount <= 0:
            violations.append(Violation("ledger_sign", subject, f"deposit of {entry.amount}"))
        elif entry.type == CashTransactionType.WITHDRAWAL.value and entry.amount >= 0:
            violations.append(Violation("ledger_sign", subject, f"withdrawal of {entry.amount}"))
        elif entry.type not in {kind.value for kind in CashTransactionType}:
            violations.append(Violation("ledger_type", subject, f"unknown type {entry.type!r}"))
    balances = {balance.username: balance for balance in snapshot.balances}
    for username, balance in sorted(balances.items()):
        ledger_sum = sums.get(username, ZERO)
        if balance.amount != ledger_sum:
            violations.append(
                Violation(
                    "cash_balance",
                    f"user {username}",
                    f"balance {balance.amount} != ledger sum {ledger_sum}",
                )
            )
    for username in sorted(set(sums) - set(balances)):
        violations.append(
            Violation("cash_balance", f"user {username}", "ledger entries without a balance")
        )
    return violations


def check_holdings(snapshot: Snapshot) -> list[Violation]:
    """Check that each holding equals its asset transactions' sum, with a sound cost basis."""
    violations: list[Violation] = []
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for transaction in snapshot.asset_transactions:
        sums[(transaction.username, transaction.asset_id)] += transaction.quantity
    holdings = {(holding.username, holding.asset_id): holding for holding in snapshot.holdings}
    for key, holding in sorted(holdings.items()):
        subject = f"holding {key[0]} {key[1]}"
        total = sums.get(key, ZERO)
        if holding.quantity != total:
            violations.append(
                Violation(
                    "holding", subject, f"quantity {holding.quantity} != transaction sum {total}"
                )
            )
        if holding.cost_basis < 0:
            violations.append(
                Violation("cost_basis", subject, f"negative cost basis {holding.cost_basis}")
            )
        elif holding.quantity == 0 and holding.cost_basis != 0:
            violations.append(
                Violation(
                    "cost_basis", subject, f"empty holding keeps cost basis {holding.cost_basis}"
                )
            )
    for key in sorted(set(sums) - set(holdings)):
        violations.append(
            Violation("holding", f"holding {key[0]} {key[1]}", "asset transactions without it")
        )
    return violations


def cash_totals(snapshot: Snapshot) -> CashTotals:
    deposits = withdrawals = ZERO
    for entry in snapshot.ledger:
        if entry.type == CashTransactionType.DEPOSIT.value:
            deposits += entry.amount
        elif entry.type == CashTransactionType.WITHDRAWAL.value:
            withdrawals -= entry.amount
    buys = [order for order in snapshot.orders if order.side == OrderSide.BUY.value]
    sells = [order for order in snapshot.orders if order.side == OrderSide.SELL.value]
    return CashTotals(
        cash=sum((balance.amount for balance in snapshot.balances), ZERO),
        fees=sum((order.fee for order in snapshot.orders), ZERO),
        deposits=deposits,
        withdrawals=withdrawals,
        buy_gross=sum((order.gross_amount for order in buys), ZERO),
        sell_gross=sum((order.gross_amount for order in sells), ZERO),
    )


def check_cash_identity(totals: CashTotals) -> list[Violation]:
    if totals.held == totals.moved:
        return []
    return [
        Violation(
            "cash_identity",
            "all users",
            f"cash + fees = {totals.held} but deposits - withdrawals - buys + sells = "
            f"{totals.moved} (difference {totals.held - totals.moved})",
        )
    ]


def _expected_cash(order: Order) -> Decimal:
    return -order.net_amount if order.side == OrderSide.BUY.value else order.net_amount


def _expected_quantity(order: Order) -> Decimal:
    return order.quantity if order.side == OrderSide.BUY.value else -order.quantity


def check_order_links(snapshot: Snapshot) -> list[Violation]:
    """Check that each order has one ledger entry and one asset transaction, and no orphans."""
    violations: list[Violation] = []
    orders = {order.order_id: order for order in snapshot.orders}
    entries: dict[str, list[CashTransaction]] = defaultdict(list)
    for entry in snapshot.ledger:
        if entry.type not in ORDER_ENTRY_TYPES:
            continue
        if entry.reference_id is None or entry.reference_id not in orders:
            subject = f"ledger entry {entry.pk} {entry.sk}"
            detail = f"{entry.type} names no existing order ({entry.reference_id})"
            violations.append(Violation("orphan_ledger_entry", subject, detail))
            continue
        entries[entry.reference_id].append(entry)
    movements: dict[str, list[AssetTransaction]] = defaultdict(list)
    for transaction in snapshot.asset_transactions:
        if transaction.order_id not in orders:
            subject = f"asset transaction {transaction.pk} {transaction.sk}"
            detail = f"names no existing order ({transaction.order_id})"
            violations.append(Violation("orphan_asset_transaction", subject, detail))
            continue
        movements[transaction.order_id].append(transaction)
    for order_id, order in sorted(orders.items()):
        violations.extend(_ledger_link(order, entries.get(order_id, [])))
        violations.extend(_asset_link(order, movements.get(order_id, [])))
    return violations


def _ledger_link(order: Order, entries: Sequence[CashTransaction]) -> list[Violation]:
    subject = f"order {order.order_id}"
    if len(entries) != 1:
        return [Violation("order_ledger", subject, f"{len(entries)} cash ledger entries, not 1")]
    entry = entries[0]
    if ORDER_ENTRY_TYPES[entry.type] != order.side or entry.username != order.username:
        detail = f"ledger entry {entry.type} of {entry.username} for a {order.side} of "
        return [Violation("order_ledger", subject, detail + order.username)]
    if entry.amount != _expected_cash(order):
        detail = f"ledger amount {entry.amount} != {_expected_cash(order)}"
        return [Violation("order_ledger", subject, detail)]
    return []


def _asset_link(order: Order, movements: Sequence[AssetTransaction]) -> list[Violation]:
    subject = f"order {order.order_id}"
    if len(movements) != 1:
        return [Violation("order_asset", subject, f"{len(movements)} asset transactions, not 1")]
    movement = movements[0]
    if (movement.username, movement.asset_id) != (order.username, order.asset_id):
        detail = f"asset transaction of {movement.username} {movement.asset_id}"
        return [Violation("order_asset", subject, detail)]
    if movement.quantity != _expected_quantity(order):
        detail = f"asset quantity {movement.quantity} != {_expected_quantity(order)}"
        return [Violation("order_asset", subject, detail)]
    return []


def check_non_negative(snapshot: Snapshot) -> list[Violation]:
    violations = [
        Violation("negative", f"cash balance of {balance.username}", f"{balance.amount}")
        for balance in snapshot.balances
        if balance.amount < 0
    ]
    violations.extend(
        Violation(
            "negative", f"holding {holding.username} {holding.asset_id}", f"{holding.quantity}"
        )
        for holding in snapshot.holdings
        if holding.quantity < 0
    )
    return violations


def check_snapshot(snapshot: Snapshot) -> Report:
    """Run every check on one snapshot."""
    totals = cash_totals(snapshot)
    violations = [
        *check_cash_balances(snapshot),
        *check_holdings(snapshot),
        *check_cash_identity(totals),
        *check_order_links(snapshot),
        *check_non_negative(snapshot),
    ]
    return Report(snapshot, totals, violations)


def check_tables(settings: CommonSettings) -> Report:
    """Read the tables of `settings` (endpoint and prefix) and check them."""
    return check_snapshot(read_snapshot(dynamodb_client(settings), settings.table_prefix))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devstack.invariants",
        description="Check the accounting identities of the users and orders tables. "
        "Exit status 1 means at least one violation, 2 that the tables could not be read.",
    )
    parser.add_argument(
        "--endpoint-url", help="DynamoDB endpoint (default: CNOP_DYNAMODB_ENDPOINT_URL)."
    )
    parser.add_argument("--table-prefix", help="Table name prefix (default: CNOP_TABLE_PREFIX).")
    args = parser.parse_args(argv)
    overrides: dict[str, Any] = {}
    if args.endpoint_url:
        overrides["dynamodb_endpoint_url"] = args.endpoint_url
    if args.table_prefix is not None:
        overrides["table_prefix"] = args.table_prefix
    settings = CommonSettings(**overrides)
    try:
        report = check_tables(settings)
    except (BotoCoreError, ClientError, PynamoDBException) as error:
        log.error("invariants.read_failed", error=str(error), error_type=type(error).__name__)
        print(
            f"failed to read the tables at {settings.dynamodb_endpoint_url or 'AWS'}: {error}; "
            "check CNOP_DYNAMODB_ENDPOINT_URL, CNOP_TABLE_PREFIX and the AWS credentials.",
            file=sys.stderr,
        )
        return 2
    print(
        f"tables {USERS_TABLE.full_name(settings.table_prefix)} and "
        f"{ORDERS_TABLE.full_name(settings.table_prefix)} "
        f"at {settings.dynamodb_endpoint_url or 'AWS ' + settings.aws_region}"
    )
    for line in report.lines():
        print(line)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
