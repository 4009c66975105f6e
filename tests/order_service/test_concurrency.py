"""Concurrent orders on DynamoDB Local: cash and holdings never go negative."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

from fastapi.testclient import TestClient

from common.entities.orders import AssetBalance, Order
from tests.order_service.conftest import Market, cash_of


def send_all(client: TestClient, market: Market, username: str, body: dict[str, str]) -> list[int]:
    headers = market.headers(username)
    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(
            pool.map(lambda _: client.post("/api/v1/orders", json=body, headers=headers), range(20))
        )
    for response in responses:
        assert response.status_code == 201 or response.json()["code"] in (
            "insufficient_funds",
            "insufficient_holding",
        )
    return [response.status_code for response in responses]


def test_concurrent_buys_stop_at_cash(client: TestClient, market: Market) -> None:
    # Given 1000.00 USD and twenty buys of 100.10 USD each
    trader = market.trader("1000.00")
    asset = market.asset("100.00", step="1")

    # When they all run at once
    statuses = send_all(client, market, trader, {"type": "market_buy", "asset_id": asset,
                                                 "quantity": "1"})  # fmt: skip

    # Then exactly nine fill and 99.10 USD is left
    assert statuses.count(201) == 9
    assert statuses.count(422) == 11
    assert cash_of(trader) == Decimal("99.10")
    assert AssetBalance.get(*AssetBalance.key_for(trader, asset)).quantity == Decimal("9")
    assert len(list(Order.time_index.query(trader))) == 9


def test_concurrent_sells_stop_at_holding(client: TestClient, market: Market) -> None:
    # Given a holding of 7 bought for 70.07 USD and twenty sells of 1
    trader = market.trader("100.00")
    asset = market.asset("10.00", step="1")
    headers = market.headers(trader)
    client.post(
        "/api/v1/orders",
        json={"type": "market_buy", "asset_id": asset, "quantity": "7"},
        headers=headers,
    )

    # When they all run at once
    statuses = send_all(client, market, trader, {"type": "market_sell", "asset_id": asset,
                                                 "quantity": "1"})  # fmt: skip

    # Then exactly seven fill, each receiving 9.99 USD, and the basis is gone
    holding = AssetBalance.get(*AssetBalance.key_for(trader, asset))
    assert statuses.count(201) == 7
    assert statuses.count(422) == 13
    assert holding.quantity == Decimal("0")
    assert holding.cost_basis == Decimal("0")
    assert holding.realized_pnl == Decimal("-0.14")
    assert cash_of(trader) == Decimal("99.86")
