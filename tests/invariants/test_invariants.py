"""The invariant checker on DynamoDB Local: a clean workload passes, each corruption is named."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient

from common.dynamodb.models import make_connection
from common.entities.cash import CashBalance, CashTransaction
from common.entities.orders import AssetBalance, AssetTransaction, Order
from common.security.tokens import TokenManager
from common.settings import CommonSettings
from common.transactions import TransactionManager
from devstack.invariants import Report, check_tables, main
from order_service.main import create_app
from order_service.settings import OrderServiceSettings
from tests.order_service.conftest import Market, place
from tests.order_service.test_workload import move_cash


@dataclass
class Workload:
    """Two traders after deposits, a withdrawal, buys by quantity and notional, and a sell."""

    settings: CommonSettings
    traders: list[str]
    asset_id: str
    order_ids: list[str]


@pytest.fixture
def workload(fresh_tables: CommonSettings, tokens: TokenManager) -> Iterator[Workload]:
    market = Market(tokens)
    manager = TransactionManager(make_connection(fresh_tables))
    app = create_app(OrderServiceSettings(fee_bps=10), common=fresh_tables)
    with TestClient(app) as client:
        asset_id = market.asset("33.337", step="0.001")
        traders = [market.trader(), market.trader()]
        order_ids: list[str] = []
        for trader in traders:
            assert move_cash(manager, trader, Decimal("1000.00"))
            assert move_cash(manager, trader, Decimal("-100.00"))
            bought = place(client, market, trader, type="market_buy", asset_id=asset_id,
                           quantity="3")  # fmt: skip
            by_notional = place(client, market, trader, type="market_buy", asset_id=asset_id,
                                notional="50.00")  # fmt: skip
            sold = place(client, market, trader, type="market_sell", asset_id=asset_id,
                         quantity="1.5")  # fmt: skip
            order_ids += [response.json()["order_id"] for response in (bought, by_notional, sold)]
        yield Workload(fresh_tables, traders, asset_id, order_ids)


@pytest.fixture
def tokens(jwt_keys: tuple[str, str]) -> TokenManager:
    from tests.order_service.conftest import make_token_manager

    return make_token_manager(jwt_keys)


def checks_of(report: Report) -> set[str]:
    return {violation.check for violation in report.violations}


def ledger_of(username: str) -> list[CashTransaction]:
    return list(CashTransaction.query(f"USER#{username}", CashTransaction.sk.startswith("TXN#")))


def test_clean_workload_passes(workload: Workload) -> None:
    report = check_tables(workload.settings)

    assert report.violations == []
    assert len(report.snapshot.orders) == 6
    assert len(report.snapshot.ledger) == 10
    assert len(report.snapshot.asset_transactions) == 6
    assert report.totals.held == report.totals.moved
    assert report.totals.deposits == Decimal("2000.00")
    assert report.totals.withdrawals == Decimal("200.00")


def test_command_prints_counts_and_exits_zero(
    workload: Workload, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = workload.settings
    exit_code = main(
        ["--endpoint-url", str(settings.dynamodb_endpoint_url), "--table-prefix",
         settings.table_prefix]
    )  # fmt: skip

    output = capsys.readouterr().out
    assert exit_code == 0
    assert "orders: 6" in output
    assert "cash ledger entries: 10 (deposit 2, order_buy 4, order_sell 2, withdrawal 2)" in output
    assert "no violations" in output


def test_unreadable_tables_exit_two(workload: Workload, capsys: pytest.CaptureFixture[str]) -> None:
    settings = workload.settings

    exit_code = main(
        ["--endpoint-url", str(settings.dynamodb_endpoint_url), "--table-prefix", "missing-"]
    )

    assert exit_code == 2
    assert "failed to read the tables" in capsys.readouterr().err


def test_edited_balance_is_reported(workload: Workload, capsys: pytest.CaptureFixture[str]) -> None:
    # Given one balance raised by a cent outside any transaction
    trader = workload.traders[0]
    balance = CashBalance.get(*CashBalance.key_for(trader))
    balance.update(actions=[CashBalance.amount.add(Decimal("0.01"))])

    # When the tables are checked
    report = check_tables(workload.settings)
    exit_code = main(["--table-prefix", workload.settings.table_prefix,
                      "--endpoint-url", str(workload.settings.dynamodb_endpoint_url)])  # fmt: skip

    # Then the balance and the platform identity both disagree, and the command fails
    assert checks_of(report) == {"cash_balance", "cash_identity"}
    assert f"user {trader}" in {violation.subject for violation in report.violations}
    assert exit_code == 1
    assert "[cash_balance]" in capsys.readouterr().out


def test_deleted_ledger_entry_is_reported(workload: Workload) -> None:
    # Given the ledger entry of one order removed
    trader = workload.traders[1]
    entry = next(item for item in ledger_of(trader) if item.type == "order_buy")
    entry.delete()

    report = check_tables(workload.settings)

    assert "cash_balance" in checks_of(report)
    assert "order_ledger" in checks_of(report)
    assert f"order {entry.reference_id}" in {v.subject for v in report.violations}


def test_deleted_deposit_is_reported(workload: Workload) -> None:
    trader = workload.traders[0]
    next(item for item in ledger_of(trader) if item.type == "deposit").delete()

    report = check_tables(workload.settings)

    assert checks_of(report) == {"cash_balance", "cash_identity"}


def test_deleted_order_is_reported(workload: Workload) -> None:
    # Given one order item deleted while its ledger entry and asset transaction stay
    order_id = workload.order_ids[0]
    Order.get(*Order.key_for(order_id)).delete()

    report = check_tables(workload.settings)

    assert "orphan_ledger_entry" in checks_of(report)
    assert "orphan_asset_transaction" in checks_of(report)
    assert "cash_identity" in checks_of(report)


def test_orphan_asset_transaction_is_reported(workload: Workload) -> None:
    # Given an asset transaction that names no order, matched by its holding so only the
    # link is wrong
    trader, asset_id = workload.traders[0], workload.asset_id
    AssetTransaction(
        f"USER#{trader}", f"TXN#{asset_id}#2026-01-01T00:00:00.000000Z#{'0' * 32}",
        transaction_id="0" * 32, username=trader, asset_id=asset_id, type="buy",
        quantity=Decimal("1"), price=Decimal("1"), order_id="f" * 32,
        created_at="2026-01-01T00:00:00.000000Z",
    ).save()  # fmt: skip
    holding = AssetBalance.get(*AssetBalance.key_for(trader, asset_id))
    holding.update(actions=[AssetBalance.quantity.add(Decimal("1"))])

    report = check_tables(workload.settings)

    assert checks_of(report) == {"orphan_asset_transaction"}


def test_negative_holding_is_reported(workload: Workload) -> None:
    # Given a holding set below zero, as a double-applied sell would leave it
    trader, asset_id = workload.traders[1], workload.asset_id
    holding = AssetBalance.get(*AssetBalance.key_for(trader, asset_id))
    holding.update(actions=[AssetBalance.quantity.set(Decimal("-0.5"))])

    report = check_tables(workload.settings)

    assert "negative" in checks_of(report)
    assert "holding" in checks_of(report)
    subjects = {violation.subject for violation in report.violations}
    assert f"holding {trader} {asset_id}" in subjects


def test_negative_cash_and_cost_basis_are_reported(workload: Workload) -> None:
    trader, asset_id = workload.traders[0], workload.asset_id
    CashBalance.get(*CashBalance.key_for(trader)).update(
        actions=[CashBalance.amount.set(Decimal("-1.00"))]
    )
    AssetBalance.get(*AssetBalance.key_for(trader, asset_id)).update(
        actions=[AssetBalance.cost_basis.set(Decimal("-2.00"))]
    )

    report = check_tables(workload.settings)

    assert {"negative", "cost_basis", "cash_balance"} <= checks_of(report)
