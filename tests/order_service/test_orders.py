"""Placing market orders on DynamoDB Local: exact amounts, every rejection, idempotency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from fastapi.testclient import TestClient
from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError

from common.entities.cash import CashTransaction
from common.entities.catalog import AssetStatus
from common.entities.orders import AssetBalance, AssetTransaction, Order
from tests.order_service.conftest import Market, cash_of, place


def orders_of(username: str) -> list[Order]:
    return list(Order.time_index.query(username))


def ledger_of(username: str) -> list[CashTransaction]:
    return list(CashTransaction.query(f"USER#{username}", CashTransaction.sk.startswith("TXN#")))


def holding_of(username: str, asset_id: str) -> AssetBalance:
    return AssetBalance.get(*AssetBalance.key_for(username, asset_id))


def test_buy_then_sell_round_trip_is_exact(client: TestClient, market: Market) -> None:
    # Given a trader with 1000.00 USD and an asset at 33.337 USD
    trader = market.trader("1000.00")
    asset = market.asset("33.337", step="0.001")

    # When they buy 3, the price moves to 35.555 and they sell 2 and then 1
    buy = place(client, market, trader, type="market_buy", asset_id=asset, quantity="3")
    market.price(asset, "35.555")
    first_sell = place(client, market, trader, type="market_sell", asset_id=asset, quantity="2")
    holding_between = holding_of(trader, asset)
    last_sell = place(client, market, trader, type="market_sell", asset_id=asset, quantity="1")

    # Then the buy cost 100.011 rounded up to 100.02 plus a fee of 0.11
    assert buy.status_code == 201
    assert buy.json()["gross_amount"] == "100.02"
    assert buy.json()["fee"] == "0.11"
    assert buy.json()["net_amount"] == "100.13"
    assert buy.json()["fee_bps"] == 10
    assert buy.json()["realized_pnl"] is None
    # And the first sell received 71.11 minus 0.08 with two thirds of the basis sold
    assert first_sell.status_code == 201
    assert first_sell.json()["net_amount"] == "71.03"
    assert first_sell.json()["fee"] == "0.08"
    assert first_sell.json()["realized_pnl"] == "4.28"
    assert holding_between.quantity == Decimal("1")
    assert holding_between.cost_basis == Decimal("33.38")
    # And the last sell rounded 35.555 down to 35.55 and took the remaining basis
    assert last_sell.json()["gross_amount"] == "35.55"
    assert last_sell.json()["net_amount"] == "35.51"
    assert last_sell.json()["realized_pnl"] == "2.13"
    assert cash_of(trader) == Decimal("1006.41")
    holding = holding_of(trader, asset)
    assert holding.quantity == Decimal("0")
    assert holding.cost_basis == Decimal("0")
    assert holding.realized_pnl == Decimal("6.41")
    assert [entry.amount for entry in ledger_of(trader)] == [
        Decimal("-100.13"),
        Decimal("71.03"),
        Decimal("35.51"),
    ]
    assert [entry.fee for entry in ledger_of(trader)] == [
        Decimal("0.11"),
        Decimal("0.08"),
        Decimal("0.04"),
    ]


def test_portfolio_shows_cost_and_pnl(client: TestClient, market: Market) -> None:
    trader = market.trader("1000.00")
    asset = market.asset("33.337", step="0.001")
    place(client, market, trader, type="market_buy", asset_id=asset, quantity="3")
    market.price(asset, "35.555")
    place(client, market, trader, type="market_sell", asset_id=asset, quantity="2")

    portfolio = client.get("/api/v1/portfolio", headers=market.headers(trader)).json()

    position = portfolio["positions"][0]
    assert portfolio["cash"] == "970.90"
    assert position["quantity"] == "1"
    assert position["average_cost"] == "33.38"
    assert position["current_price"] == "35.555"
    assert position["market_value"] == "35.56"
    assert position["unrealized_pnl"] == "2.18"
    assert position["realized_pnl"] == "4.28"
    assert portfolio["totals"]["equity"] == "1006.46"
    assert portfolio["totals"]["market_value"] == "35.56"


def test_notional_buy_rounds_quantity_down(client: TestClient, market: Market) -> None:
    # Given 50.00 USD to spend at 33.337 USD with a step of 0.001
    trader = market.trader("100.00")
    asset = market.asset("33.337", step="0.001")

    response = place(client, market, trader, type="market_buy", asset_id=asset, notional="50.00")

    # Then 1.499 units are bought: 49.972163 rounds up to 49.98, plus a 0.05 fee
    body = response.json()
    assert response.status_code == 201
    assert body["quantity"] == "1.499"
    assert body["requested_notional"] == "50.00"
    assert body["net_amount"] == "50.03"
    assert cash_of(trader) == Decimal("49.97")


def bad_order_cases() -> list[tuple[str, Any, int, str]]:
    return [
        ("sell_more_than_held", {"type": "market_sell", "quantity": "1.001"}, 422,
         "insufficient_holding"),
        ("sell_never_held", {"type": "market_sell", "asset": "other", "quantity": "1"}, 422,
         "insufficient_holding"),
        ("halted_asset", {"type": "market_buy", "asset": "halted", "quantity": "1"}, 422,
         "asset_not_trading"),
        ("unknown_asset", {"type": "market_buy", "asset": "NOSUCHASSET", "quantity": "1"}, 422,
         "unknown_asset"),
        ("zero", {"type": "market_buy", "quantity": "0"}, 422, "validation_error"),
        ("zero_number", {"type": "market_buy", "quantity": 0}, 422, "validation_error"),
        ("negative", {"type": "market_sell", "quantity": "-1"}, 422, "validation_error"),
        ("nan_string", {"type": "market_buy", "quantity": "NaN"}, 422, "validation_error"),
        ("nan_literal", 'NaN', 422, "validation_error"),
        ("infinity", {"type": "market_buy", "quantity": "Infinity"}, 422, "validation_error"),
        ("over_precise", {"type": "market_buy", "quantity": "0.0001"}, 422, "validation_error"),
        ("both_sizes", {"type": "market_buy", "quantity": "1", "notional": "10.00"}, 422,
         "validation_error"),
        ("neither_size", {"type": "market_buy"}, 422, "validation_error"),
        ("notional_sell", {"type": "market_sell", "notional": "10.00"}, 422,
         "validation_error"),
        ("notional_sub_cent", {"type": "market_buy", "notional": "10.001"}, 422,
         "validation_error"),
        ("unknown_type", {"type": "limit_buy", "quantity": "1"}, 422, "validation_error"),
        ("extra_field", {"type": "market_buy", "quantity": "1", "price": "1"}, 422,
         "validation_error"),
        ("too_expensive", {"type": "market_buy", "quantity": "20"}, 422, "insufficient_funds"),
        ("below_minimum", {"type": "market_buy", "quantity": "0.049"}, 422,
         "below_min_notional"),
        ("notional_below_minimum", {"type": "market_buy", "notional": "4.99"}, 422,
         "below_min_notional"),
        ("stale_price", {"type": "market_buy", "asset": "stale", "quantity": "1"}, 503,
         "price_unavailable"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [case[1:] for case in bad_order_cases()],
    ids=[case[0] for case in bad_order_cases()],
)
def test_bad_order_is_rejected_and_writes_nothing(
    client: TestClient, market: Market, body: Any, status: int, code: str
) -> None:
    # Given a trader with 500.00 USD and 1.000 units of an asset at 100.00 USD
    trader = market.trader("600.11")
    asset = market.asset("100.00", step="0.001", min_notional="5.00")
    assets = {
        "other": market.asset("10.00"),
        "halted": market.asset("10.00", status=AssetStatus.HALTED),
        "stale": market.asset("10.00", price_age=timedelta(minutes=5)),
        "NOSUCHASSET": "NOSUCHASSET",
    }
    assert place(client, market, trader, type="market_buy", asset_id=asset, quantity="1").is_success
    orders_before = len(orders_of(trader))
    ledger_before = len(ledger_of(trader))

    # When the bad order is sent
    if isinstance(body, str):
        response = client.post(
            "/api/v1/orders",
            content=f'{{"type": "market_buy", "asset_id": "{asset}", "quantity": {body}}}',
            headers={**market.headers(trader), "content-type": "application/json"},
        )
    else:
        payload = {key: value for key, value in body.items() if key != "asset"}
        payload["asset_id"] = assets[body["asset"]] if "asset" in body else asset
        response = place(client, market, trader, **payload)

    # Then it gets the code and nothing changed
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == code
    assert cash_of(trader) == Decimal("500.01")
    assert holding_of(trader, asset).quantity == Decimal("1")
    assert len(orders_of(trader)) == orders_before
    assert len(ledger_of(trader)) == ledger_before


def test_over_precise_quantity_names_step(client: TestClient, market: Market) -> None:
    trader = market.trader("100.00")
    asset = market.asset("10.00", step="0.001")

    response = place(client, market, trader, type="market_buy", asset_id=asset, quantity="1.0005")

    error = response.json()["errors"][0]
    assert response.status_code == 422
    assert error["field"] == "body.quantity"
    assert "multiple of 0.001" in error["message"]


def test_insufficient_funds_names_balance(client: TestClient, market: Market) -> None:
    trader = market.trader("40.00")
    asset = market.asset("60.00", step="1")

    response = place(client, market, trader, type="market_buy", asset_id=asset, quantity="1")

    assert response.status_code == 422
    assert response.json()["detail"] == "Cash balance 40.00 USD is below the order cost 60.06 USD."


def test_order_needs_token(client: TestClient, market: Market) -> None:
    asset = market.asset("10.00")

    response = client.post(
        "/api/v1/orders", json={"type": "market_buy", "asset_id": asset, "quantity": "1"}
    )

    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_sequential_retry_replays_one_order(client: TestClient, market: Market) -> None:
    trader = market.trader("100.00")
    asset = market.asset("10.00", step="1")
    body = {"type": "market_buy", "asset_id": asset, "quantity": "2"}

    first = place(client, market, trader, key="order-1", **body)
    market.price(asset, "11.00")
    second = place(client, market, trader, key="order-1", **body)

    assert first.status_code == 201
    assert second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert len(orders_of(trader)) == 1
    assert cash_of(trader) == Decimal("79.98")


def test_changed_body_with_same_key_is_409(client: TestClient, market: Market) -> None:
    trader = market.trader("100.00")
    asset = market.asset("10.00", step="1")
    place(client, market, trader, key="order-2", type="market_buy", asset_id=asset, quantity="2")

    response = place(
        client, market, trader, key="order-2", type="market_buy", asset_id=asset, quantity="3"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert len(orders_of(trader)) == 1


def test_concurrent_retries_create_one_order(client: TestClient, market: Market) -> None:
    # Given eight copies of one sell with one Idempotency-Key
    trader = market.trader("100.00")
    asset = market.asset("10.00", step="1")
    place(client, market, trader, type="market_buy", asset_id=asset, quantity="5")
    headers = market.headers(trader, "order-3")
    body = {"type": "market_sell", "asset_id": asset, "quantity": "2"}

    # When they arrive at the same time
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(
            pool.map(lambda _: client.post("/api/v1/orders", json=body, headers=headers), range(8))
        )

    # Then all get the same order and the sell happened once
    assert {response.status_code for response in responses} == {201}
    assert len({response.json()["order_id"] for response in responses}) == 1
    assert holding_of(trader, asset).quantity == Decimal("3")
    assert len(orders_of(trader)) == 2


def cancelled(code: str) -> TransactWriteError:
    response = {"Error": {"Code": "TransactionCanceledException", "Message": "cancelled"}}
    cause = VerboseClientError(
        response,  # type: ignore[arg-type]
        "TransactWriteItems",
        cancellation_reasons=[CancellationReason(code=code)],
    )
    return TransactWriteError("cancelled", cause)


def test_transaction_conflict_is_retried_once(client: TestClient, market: Market) -> None:
    # Given a database that reports a TransactionConflict on the first attempt
    trader = market.trader("100.00")
    asset = market.asset("10.00", step="1")
    connection = client.app.state.order_placer.manager.connection  # type: ignore[attr-defined]
    real_commit = connection.transact_write_items
    tokens: list[str] = []

    def conflict_once(**kwargs: Any) -> Any:
        tokens.append(kwargs["client_request_token"])
        if len(tokens) == 1:
            raise cancelled("TransactionConflict")
        return real_commit(**kwargs)

    # When an order is placed
    with mock.patch.object(connection, "transact_write_items", conflict_once):
        response = place(client, market, trader, type="market_buy", asset_id=asset, quantity="3")

    # Then the retry with the same token filled it once
    assert response.status_code == 201
    assert len(tokens) == 2
    assert tokens[0] == tokens[1]
    assert len(orders_of(trader)) == 1
    assert cash_of(trader) == Decimal("69.97")
    assert len(ledger_of(trader)) == 1


def test_client_order_id_is_unique_and_found(client: TestClient, market: Market) -> None:
    trader = market.trader("100.00")
    asset = market.asset("10.00", step="1")
    body = {"type": "market_buy", "asset_id": asset, "quantity": "1", "client_order_id": "c-1"}

    first = place(client, market, trader, **body)
    second = place(client, market, trader, **body)
    found = client.get("/api/v1/orders/by-client-id/c-1", headers=market.headers(trader))

    assert first.status_code == 201
    assert second.status_code == 409
    assert second.json()["code"] == "duplicate_client_order_id"
    assert found.json() == first.json()
    assert cash_of(trader) == Decimal("89.99")


def test_other_users_order_is_404(client: TestClient, market: Market) -> None:
    # Given an order of one trader
    owner = market.trader("100.00")
    other = market.trader("100.00")
    asset = market.asset("10.00", step="1")
    body = {"type": "market_buy", "asset_id": asset, "quantity": "1", "client_order_id": "c-2"}
    order_id = place(client, market, owner, **body).json()["order_id"]

    # When another trader requests it, by id and by client order id
    by_id = client.get(f"/api/v1/orders/{order_id}", headers=market.headers(other))
    by_client_id = client.get("/api/v1/orders/by-client-id/c-2", headers=market.headers(other))
    missing = client.get(f"/api/v1/orders/{'0' * 32}", headers=market.headers(other))

    # Then the response equals the one for a missing order and names no user
    assert by_id.status_code == 404
    assert by_client_id.status_code == 404
    assert by_id.json()["code"] == missing.json()["code"]
    assert by_id.json()["detail"] == missing.json()["detail"].replace("0" * 32, order_id)
    assert owner not in by_id.text
    assert client.get(f"/api/v1/orders/{order_id}", headers=market.headers(owner)).is_success


def test_asset_transactions_sum_to_holding(client: TestClient, market: Market) -> None:
    trader = market.trader("1000.00")
    asset = market.asset("10.00", step="0.01")
    for quantity in ("5.5", "2.25"):
        place(client, market, trader, type="market_buy", asset_id=asset, quantity=quantity)
    place(client, market, trader, type="market_sell", asset_id=asset, quantity="3.1")

    response = client.get(f"/api/v1/assets/{asset}/transactions", headers=market.headers(trader))
    balance = client.get(f"/api/v1/assets/{asset.lower()}/balance", headers=market.headers(trader))

    quantities = [Decimal(item["quantity"]) for item in response.json()["items"]]
    assert quantities == [Decimal("-3.1"), Decimal("2.25"), Decimal("5.5")]
    assert balance.json()["quantity"] == "4.65"
    assert sum(quantities) == Decimal(balance.json()["quantity"])
    stored = AssetTransaction.query(f"USER#{trader}", AssetTransaction.sk.startswith("TXN#"))
    assert len(list(stored)) == 3


def test_balances_list_and_unknown_asset(client: TestClient, market: Market) -> None:
    trader = market.trader("1000.00")
    held = market.asset("10.00", step="1")
    never_held = market.asset("10.00", step="1")
    place(client, market, trader, type="market_buy", asset_id=held, quantity="4")
    headers = market.headers(trader)

    listing = client.get("/api/v1/assets/balances", headers=headers).json()
    zero = client.get(f"/api/v1/assets/{never_held}/balance", headers=headers).json()
    unknown = client.get("/api/v1/assets/NOSUCHASSET/balance", headers=headers)

    assert [item["asset_id"] for item in listing["items"]] == [held]
    assert listing["items"][0]["cost_basis"] == "40.04"
    assert listing["items"][0]["average_cost"] == "10.01"
    assert zero["quantity"] == "0"
    assert zero["average_cost"] is None
    assert unknown.status_code == 404
