"""A random mixed workload of several traders: cash and holdings reconcile to the cent."""

from __future__ import annotations

import random
from decimal import Decimal

from fastapi.testclient import TestClient

from common.dynamodb.models import make_connection
from common.entities.cash import CashBalance, CashTransaction, CashTransactionType
from common.errors import InsufficientFundsError
from common.settings import CommonSettings
from common.transactions import TransactionBuilder, TransactionManager
from tests.order_service.conftest import Market, cash_of, place
from tests.order_service.test_listing import read_all


def move_cash(manager: TransactionManager, username: str, amount: Decimal) -> bool:
    """Deposit (positive) or withdraw (negative) like the user service: balance and ledger."""
    builder = TransactionBuilder()
    builder.update(
        CashBalance.for_user(username),
        [CashBalance.amount.add(amount)],
        condition=CashBalance.amount >= -amount if amount < 0 else None,
        on_condition_failed=lambda _reason: InsufficientFundsError("not enough cash"),
    )
    kind = CashTransactionType.DEPOSIT if amount > 0 else CashTransactionType.WITHDRAWAL
    builder.put(CashTransaction.new(username=username, type=kind, amount=amount))
    try:
        manager.execute(builder)
    except InsufficientFundsError:
        return False
    return True


def test_random_workload_reconciles(
    client: TestClient, market: Market, tables: CommonSettings
) -> None:
    # Given four traders, three assets and a seeded random sequence of 150 actions
    rng = random.Random(20261204)
    manager = TransactionManager(make_connection(tables))
    traders = [market.trader() for _ in range(4)]
    assets = [
        market.asset("97.13", step="0.001"),
        market.asset("0.3871", step="1"),
        market.asset("2513.77", step="0.0001"),
    ]
    deposits = withdrawals = Decimal("0")
    for trader in traders:
        assert move_cash(manager, trader, Decimal("5000.00"))
        deposits += Decimal("5000.00")

    # When they deposit, withdraw, buy and sell at moving prices
    for _ in range(150):
        trader, asset = rng.choice(traders), rng.choice(assets)
        action = rng.choice(["deposit", "withdraw", "buy", "buy_notional", "sell", "price"])
        if action == "deposit":
            amount = Decimal(rng.randint(1, 50_000)) / 100
            assert move_cash(manager, trader, amount)
            deposits += amount
        elif action == "withdraw":
            amount = Decimal(rng.randint(1, 300_000)) / 100
            if move_cash(manager, trader, -amount):
                withdrawals += amount
        elif action == "price":
            market.price(asset, f"{rng.uniform(0.3, 3000):.4f}")
        elif action == "buy_notional":
            notional = f"{rng.randint(500, 80_000) / 100:.2f}"
            place(client, market, trader, type="market_buy", asset_id=asset, notional=notional)
        else:
            held = client.get(f"/api/v1/assets/{asset}/balance", headers=market.headers(trader))
            quantity = Decimal(held.json()["quantity"]) if action == "sell" else Decimal(0)
            if action == "buy" or quantity == 0:
                quantity = Decimal(rng.randint(1, 40))
            else:
                quantity = max(Decimal(1), (quantity * Decimal(rng.random())).to_integral_value())
            side = "market_buy" if action == "buy" else "market_sell"
            place(client, market, trader, type=side, asset_id=asset, quantity=f"{quantity}")

    # Then the cash plus the fees equals the money in minus the money out, to the cent
    orders = [
        item
        for trader in traders
        for page in read_all(client, "/api/v1/orders", market.headers(trader), limit=100)
        for item in page
    ]
    buys = sum(Decimal(o["gross_amount"]) for o in orders if o["side"] == "buy")
    sells = sum(Decimal(o["gross_amount"]) for o in orders if o["side"] == "sell")
    fees = sum(Decimal(order["fee"]) for order in orders)
    total_cash = sum(cash_of(trader) for trader in traders)
    assert len(orders) >= 20
    assert {order["side"] for order in orders} == {"buy", "sell"}
    assert total_cash + fees == deposits - withdrawals - buys + sells
    for trader in traders:
        ledger = CashTransaction.query(f"USER#{trader}", CashTransaction.sk.startswith("TXN#"))
        assert sum(entry.amount for entry in ledger) == cash_of(trader)
    # And every holding equals the sum of its asset transactions
    for trader in traders:
        headers = market.headers(trader)
        for asset in assets:
            path = f"/api/v1/assets/{asset}/transactions"
            moves = [Decimal(i["quantity"]) for p in read_all(client, path, headers) for i in p]
            held = client.get(f"/api/v1/assets/{asset}/balance", headers=headers).json()
            assert sum(moves, Decimal(0)) == Decimal(held["quantity"])
            assert Decimal(held["quantity"]) >= 0
    # And realized P&L on the holdings equals the sum recorded on the sells
    realized_orders = sum(Decimal(o["realized_pnl"]) for o in orders if o["side"] == "sell")
    realized_holdings = sum(
        Decimal(item["realized_pnl"])
        for trader in traders
        for item in client.get("/api/v1/assets/balances", headers=market.headers(trader)).json()[
            "items"
        ]
    )
    assert realized_orders == realized_holdings
