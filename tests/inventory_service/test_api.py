"""Inventory HTTP API on DynamoDB Local: catalog list, one asset, candles, admin changes."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta
from decimal import Decimal

from fastapi.testclient import TestClient

from common.dynamodb.attributes import utc_now
from common.dynamodb.models import make_connection
from common.transactions import TransactionManager
from inventory_service.entities import InventoryAuditEvent
from inventory_service.feed import PriceFeed
from inventory_service.providers import ReplayProvider
from inventory_service.seed import seed_catalog
from inventory_service.settings import InventoryServiceSettings
from tests.inventory_service.conftest import FakeClock, feed_settings

ASSETS = "/api/v1/inventory/assets"


def seeded(client: TestClient) -> TestClient:
    seed_catalog(feed_settings())
    return client


def test_list_returns_prices_in_id_order(client: TestClient) -> None:
    response = seeded(client).get(ASSETS)

    body = response.json()
    assert response.status_code == 200
    assert len(body["items"]) == 12
    assert body["next_token"] is None
    assert [item["asset_id"] for item in body["items"]][:2] == ["ADA", "AVAX"]
    btc = next(item for item in body["items"] if item["asset_id"] == "BTC")
    assert btc["price"] == "90497.54"
    assert btc["quantity_step"] == "0.00000001"
    assert btc["price_source"] == "seed"


def test_list_pages_with_cursor(client: TestClient) -> None:
    seeded(client)
    seen: list[str] = []
    token = None

    for _page in range(3):
        params = {"limit": 5, "sort": "name", "order": "desc"}
        if token:
            params["next_token"] = token
        body = client.get(ASSETS, params=params).json()
        seen.extend(item["name"] for item in body["items"])
        token = body["next_token"]

    assert token is None
    assert len(seen) == 12
    assert seen == sorted(seen, key=str.casefold, reverse=True)


def test_list_filters_by_status_and_category(client: TestClient, admin_headers: dict) -> None:
    seeded(client)
    client.put(f"{ASSETS}/sol/status", json={"status": "halted"}, headers=admin_headers)

    halted = client.get(ASSETS, params={"status": "halted"}).json()["items"]
    layer1 = client.get(ASSETS, params={"category": "layer1", "status": "trading"}).json()

    assert [item["asset_id"] for item in halted] == ["SOL"]
    assert [item["asset_id"] for item in layer1["items"]] == ["ADA", "AVAX", "BTC", "ETH"]


def test_list_sorts_by_price(client: TestClient) -> None:
    items = seeded(client).get(ASSETS, params={"sort": "price", "order": "desc"}).json()["items"]

    prices = [Decimal(item["price"]) for item in items]
    assert items[0]["asset_id"] == "BTC"
    assert prices == sorted(prices, reverse=True)


def test_list_rejects_bad_cursor(client: TestClient) -> None:
    seeded(client)
    other_list = client.get(ASSETS, params={"limit": 5}).json()["next_token"]
    forged = base64.urlsafe_b64encode(json.dumps({"v": 1, "after": 5}).encode()).decode()

    for token in ("not-a-cursor!", "bm90IGpzb24", forged, "WzFd"):
        response = client.get(ASSETS, params={"next_token": token})
        assert response.status_code == 400, token
        assert response.json()["code"] == "invalid_cursor"
    reused = client.get(ASSETS, params={"next_token": other_list, "sort": "price"})
    assert reused.status_code == 400
    assert reused.headers["content-type"] == "application/problem+json"


def test_list_rejects_bad_parameters(client: TestClient) -> None:
    for params in ({"limit": 0}, {"limit": 101}, {"sort": "volume"}, {"status": "open"}):
        response = client.get(ASSETS, params=params)
        assert response.status_code == 422, params
        assert response.json()["code"] == "validation_error"


def test_get_is_case_insensitive(client: TestClient) -> None:
    response = seeded(client).get(f"{ASSETS}/eTh")

    assert response.status_code == 200
    assert response.json()["asset_id"] == "ETH"
    assert response.json()["name"] == "Ethereum"


def test_get_unknown_asset_is_404(client: TestClient) -> None:
    for asset_id in ("NOPE", "bad-id", "x" * 30):
        response = client.get(f"{ASSETS}/{asset_id}")
        assert response.status_code == 404, asset_id
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == "not_found"


def test_candles_aggregate_ticks(client: TestClient) -> None:
    # Given the feed stored a price every 20 s for 4 minutes
    seeded(client)
    start = utc_now().replace(second=0, microsecond=0) - timedelta(minutes=10)
    clock = FakeClock(start)
    transactions = TransactionManager(make_connection(client.app.state.settings))
    feed = PriceFeed(feed_settings(), ReplayProvider(speed=60), transactions, clock=clock)
    for _step in range(12):
        feed.tick_once()
        clock.advance(20)

    # When a client asks for one-minute candles of that span
    response = client.get(
        f"{ASSETS}/btc/candles",
        params={"from": start.isoformat(), "to": clock.now.isoformat(), "interval": "1m"},
    )

    # Then each minute contains three ticks with consistent extremes
    body = response.json()
    assert response.status_code == 200
    assert body["asset_id"] == "BTC"
    assert len(body["candles"]) == 4
    assert [candle["ticks"] for candle in body["candles"]] == [3, 3, 3, 3]
    for candle in body["candles"]:
        prices = [candle["open"], candle["close"], candle["low"], candle["high"]]
        assert candle["low"] == min(prices, key=float)
        assert candle["high"] == max(prices, key=float)


def test_candles_default_to_last_day(client: TestClient) -> None:
    response = seeded(client).get(f"{ASSETS}/ETH/candles")

    assert response.status_code == 200
    assert response.json()["candles"] == []
    assert response.json()["interval"] == "5m"


def test_candles_default_range_fits_limit(client: TestClient) -> None:
    # Given the default 24 h range, which holds 1,440 one-minute candles
    # When a chart asks for one-minute candles without a range
    response = seeded(client).get(f"{ASSETS}/ETH/candles", params={"interval": "1m"})

    # Then it gets the newest candles that fit the limit instead of a 400
    body = response.json()
    span = datetime.fromisoformat(body["to"]) - datetime.fromisoformat(body["from"])
    assert response.status_code == 200
    assert span == timedelta(minutes=InventoryServiceSettings().max_candles)


def test_candles_reject_bad_ranges(client: TestClient) -> None:
    seeded(client)
    now = utc_now()
    later = (now + timedelta(hours=1)).isoformat()
    cases = [
        ({"from": later, "to": now.isoformat()}, 400),
        ({"from": (now - timedelta(days=30)).isoformat(), "interval": "1m"}, 400),
        ({"interval": "2m"}, 422),
        ({"from": "2026-01-01T00:00:00"}, 422),
    ]

    for params, status in cases:
        response = client.get(f"{ASSETS}/BTC/candles", params=params)
        assert response.status_code == status, params
    assert client.get(f"{ASSETS}/NOPE/candles").status_code == 404


NEW_ASSET = {
    "asset_id": "pepe1",
    "name": "Pepe One",
    "category": "meme",
    "quantity_step": "1",
    "price_tick": 0.000001,
    "min_notional": "1.00",
    "initial_price": "0.000012",
}


def test_admin_creates_asset_with_audit(client: TestClient, admin_headers: dict) -> None:
    response = client.post(ASSETS, json=NEW_ASSET, headers=admin_headers)

    body = response.json()
    assert response.status_code == 201
    assert body["asset_id"] == "PEPE1"
    assert body["price"] == "0.000012"
    assert body["price_tick"] == "0.000001"
    assert client.get(f"{ASSETS}/pepe1").json()["price_source"] == "admin"
    events = list(InventoryAuditEvent.query("AUDIT#opsadmin"))
    assert [event.action for event in events] == ["inventory.asset_created"]
    assert events[0].subject == "PEPE1"


def test_admin_create_twice_is_409(client: TestClient, admin_headers: dict) -> None:
    client.post(ASSETS, json=NEW_ASSET, headers=admin_headers)

    response = client.post(ASSETS, json=NEW_ASSET, headers=admin_headers)

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"


def test_admin_create_rejects_price_off_tick(client: TestClient, admin_headers: dict) -> None:
    body = dict(NEW_ASSET, initial_price="0.0000125")

    response = client.post(ASSETS, json=body, headers=admin_headers)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"


def test_admin_routes_need_admin_token(client: TestClient, customer_headers: dict) -> None:
    seeded(client)

    anonymous = client.post(ASSETS, json=NEW_ASSET)
    customer = client.put(
        f"{ASSETS}/BTC/status", json={"status": "halted"}, headers=customer_headers
    )
    forged = client.patch(
        f"{ASSETS}/BTC", json={"name": "x"}, headers={"Authorization": "Bearer x.y.z"}
    )

    assert anonymous.status_code == 401
    assert customer.status_code == 403
    assert customer.json()["code"] == "forbidden"
    assert forged.status_code == 401
    assert client.get(f"{ASSETS}/BTC").json()["status"] == "trading"


def test_admin_updates_asset(client: TestClient, admin_headers: dict) -> None:
    seeded(client)

    response = client.patch(
        f"{ASSETS}/ltc", json={"name": "Litecoin Classic", "min_notional": 5}, headers=admin_headers
    )

    assert response.status_code == 200
    assert response.json()["name"] == "Litecoin Classic"
    assert response.json()["min_notional"] == "5.00"
    (event,) = InventoryAuditEvent.query("AUDIT#opsadmin")
    assert event.action == "inventory.asset_updated"
    assert json.loads(event.details)["name_from"] == "Litecoin"


def test_admin_update_rejects_empty_and_unknown(client: TestClient, admin_headers: dict) -> None:
    seeded(client)

    empty = client.patch(f"{ASSETS}/LTC", json={}, headers=admin_headers)
    null = client.patch(f"{ASSETS}/LTC", json={"name": None}, headers=admin_headers)
    unknown = client.patch(f"{ASSETS}/NOPE", json={"name": "x"}, headers=admin_headers)

    assert empty.status_code == 422
    assert null.status_code == 422
    assert unknown.status_code == 404


def test_admin_halts_asset(client: TestClient, admin_headers: dict) -> None:
    seeded(client)

    response = client.put(
        f"{ASSETS}/Doge/status",
        json={"status": "halted", "reason": "incident"},
        headers=admin_headers,
    )

    assert response.status_code == 200
    assert response.json()["status"] == "halted"
    (event,) = InventoryAuditEvent.query("AUDIT#opsadmin")
    details = json.loads(event.details)
    assert event.action == "inventory.asset_status_changed"
    assert details == {"reason": "incident", "status_from": "trading", "status_to": "halted"}
