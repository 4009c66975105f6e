"""Order lists: newest first, cursor pages without gaps or duplicates, forged cursors."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from common.dynamodb.models import configure_models
from common.settings import CommonSettings
from order_service.main import create_app
from order_service.settings import OrderServiceSettings
from tests.order_service.conftest import Market, make_token_manager, place


def read_all(client: TestClient, path: str, headers: dict[str, str], **params: Any) -> list[Any]:
    """Return every page of a list, each page's items as a list."""
    pages: list[Any] = []
    token = None
    while True:
        query = {**params, **({"next_token": token} if token else {})}
        body = client.get(path, params=query, headers=headers).json()
        pages.append(body["items"])
        token = body["next_token"]
        if token is None:
            return pages


@pytest.fixture(scope="module")
def history(
    session_settings: CommonSettings, jwt_keys: tuple[str, str]
) -> Iterator[dict[str, Any]]:
    """One trader's 100 orders: 70 buys of one asset and 30 of another, interleaved."""
    configure_models(session_settings)
    with TestClient(create_app(OrderServiceSettings(), common=session_settings)) as client:
        yield place_history(client, Market(make_token_manager(jwt_keys)))


def place_history(client: TestClient, market: Market) -> dict[str, Any]:
    trader = market.trader("100000.00")
    first = market.asset("10.00", step="1")
    second = market.asset("10.00", step="1")
    placed = []
    for index in range(100):
        asset = second if index % 10 in (3, 6, 9) else first
        response = place(client, market, trader, type="market_buy", asset_id=asset, quantity="1")
        placed.append((asset, response.json()["order_id"]))
    return {"client": client, "market": market, "trader": trader, "first": first,
            "placed": placed}  # fmt: skip


def test_pages_cover_all_orders_newest_first(history: dict[str, Any]) -> None:
    client, market = history["client"], history["market"]

    pages = read_all(client, "/api/v1/orders", market.headers(history["trader"]), limit=25)

    ids = [item["order_id"] for page in pages for item in page]
    assert [len(page) for page in pages] == [25, 25, 25, 25]
    assert ids == [order_id for _, order_id in reversed(history["placed"])]
    assert len(set(ids)) == 100


def test_pages_for_one_asset(history: dict[str, Any]) -> None:
    client, market, first = history["client"], history["market"], history["first"]

    pages = read_all(
        client, "/api/v1/orders", market.headers(history["trader"]), limit=25, asset_id=first
    )

    ids = [item["order_id"] for page in pages for item in page]
    expected = [order_id for asset, order_id in reversed(history["placed"]) if asset == first]
    assert [len(page) for page in pages] == [25, 25, 20]
    assert ids == expected
    assert {item["asset_id"] for page in pages for item in page} == {first}


def test_filters_by_side(history: dict[str, Any]) -> None:
    client, market = history["client"], history["market"]
    headers = market.headers(history["trader"])

    sells = client.get("/api/v1/orders", params={"side": "sell"}, headers=headers).json()
    buys = read_all(client, "/api/v1/orders", headers, type="market_buy", status="filled",
                    limit=40)  # fmt: skip

    assert sells == {"items": [], "next_token": None}
    assert [len(page) for page in buys] == [40, 40, 20]


def forge(key: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def test_forged_cursors_are_400(history: dict[str, Any]) -> None:
    # Given a real cursor of the trader and a cursor rewritten for another user
    client, market = history["client"], history["market"]
    headers = market.headers(history["trader"])
    token = client.get("/api/v1/orders", params={"limit": 1}, headers=headers).json()["next_token"]
    key = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    other_user = forge({**key, "username": "someoneelse"})
    asset_cursor = client.get(
        "/api/v1/orders", params={"limit": 1, "asset_id": history["first"]}, headers=headers
    ).json()["next_token"]

    # When each bad cursor is used
    cases = {
        "garbage": ("/api/v1/orders", {"next_token": "!!notbase64!!"}),
        "not_json": ("/api/v1/orders", {"next_token": forge({}).replace("e30", "e3")}),
        "list": ("/api/v1/orders", {"next_token": base64.urlsafe_b64encode(b"[1]").decode()}),
        "other_user": ("/api/v1/orders", {"next_token": other_user}),
        "other_list": ("/api/v1/orders", {"next_token": asset_cursor}),
        "other_asset": ("/api/v1/orders", {"next_token": asset_cursor, "asset_id": "ZZZ"}),
        "transactions": (f"/api/v1/assets/{history['first']}/transactions",
                         {"next_token": token}),
    }  # fmt: skip
    responses = {
        name: client.get(path, params=params, headers=headers)
        for name, (path, params) in cases.items()
    }

    # Then every one is a 400 invalid_cursor
    for name, response in responses.items():
        assert response.status_code == 400, name
        assert response.json()["code"] == "invalid_cursor", name


def test_asset_transactions_page(history: dict[str, Any]) -> None:
    client, market = history["client"], history["market"]

    pages = read_all(
        client,
        f"/api/v1/assets/{history['first']}/transactions",
        market.headers(history["trader"]),
        limit=30,
    )

    ids = [item["order_id"] for page in pages for item in page]
    expected = [
        order_id for asset, order_id in reversed(history["placed"]) if asset == history["first"]
    ]
    assert [len(page) for page in pages] == [30, 30, 10]
    assert ids == expected
