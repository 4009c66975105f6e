"""The trading demo against fake services behind httpx.MockTransport."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from devstack import demo

PRICES = {"BTC": Decimal("90000.00"), "ETH": Decimal("3000.00")}


class FakePlatform:
    """Just enough of the three services for the demo: accounts, catalog, orders."""

    def __init__(self) -> None:
        self.holdings: dict[tuple[str, str], Decimal] = {}
        self.orders: list[dict[str, Any]] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        body = json.loads(request.content) if request.content else {}
        user = request.headers.get("Authorization", "Bearer -").split()[1]
        if path == "/health/live":
            return httpx.Response(200, json={"status": "ok"})
        if path == demo.API["register"]:
            return httpx.Response(201, json={"username": body["username"]})
        if path == demo.API["login"]:
            return httpx.Response(200, json={"access_token": body["username"]})
        if path == demo.API["deposit"]:
            return httpx.Response(201, json={"amount": body["amount"]})
        if path == demo.API["catalog"]:
            items = [
                {"asset_id": "DOGE", "status": "halted", "quantity_step": "1"},
                {"asset_id": "ETH", "status": "trading", "quantity_step": "0.0001"},
                {"asset_id": "BTC", "status": "trading", "quantity_step": "0.00000001"},
            ]
            return httpx.Response(200, json={"items": items, "next_token": None})
        if path == demo.API["orders"]:
            return self.order(user, body)
        if path.endswith("/balance"):
            asset_id = path.split("/")[-2]
            quantity = self.holdings.get((user, asset_id), Decimal(0))
            return httpx.Response(200, json={"asset_id": asset_id, "quantity": f"{quantity}"})
        if path == demo.API["portfolio"]:
            return httpx.Response(200, json=self.portfolio(user))
        return httpx.Response(404, json={"code": "not_found"})

    def order(self, user: str, body: dict[str, str]) -> httpx.Response:
        asset_id, price = body["asset_id"], PRICES[body["asset_id"]]
        quantity = Decimal(body.get("quantity") or Decimal(body["notional"]) / price).quantize(
            Decimal("0.0001")
        )
        held = self.holdings.get((user, asset_id), Decimal(0))
        if body["type"] == "market_sell":
            if quantity > held:
                return httpx.Response(
                    422, json={"code": "insufficient_holding", "detail": "exceeds the holding"}
                )
            quantity = -quantity
        self.holdings[(user, asset_id)] = held + quantity
        order = {"type": body["type"], "quantity": f"{abs(quantity)}", "asset_id": asset_id,
                 "price": f"{price}", "net_amount": "1.00", "fee": "0.01"}  # fmt: skip
        self.orders.append(order)
        return httpx.Response(201, json=order)

    def portfolio(self, user: str) -> dict[str, Any]:
        positions = [
            {"asset_id": asset_id, "quantity": f"{quantity}", "average_cost": None,
             "current_price": f"{PRICES[asset_id]}", "market_value": "1.00",
             "unrealized_pnl": "0.00", "realized_pnl": "0.00"}
            for (owner, asset_id), quantity in self.holdings.items()
            if owner == user
        ]  # fmt: skip
        totals = {"cash": "100.00", "equity": "101.00", "unrealized_pnl": "0.00",
                  "realized_pnl": "0.00"}  # fmt: skip
        return {"username": user, "positions": positions, "totals": totals}


def test_demo_runs_session_and_prints_tables() -> None:
    # Given fake services
    platform = FakePlatform()
    lines: list[str] = []

    def make_client(service: demo.Service) -> httpx.Client:
        return httpx.Client(base_url=service.url(), transport=httpx.MockTransport(platform.handle))

    # When the demo runs
    demo.run(make_client, lines.append)

    # Then it traded both assets, was refused the oversell and printed two portfolios
    output = "\n".join(lines)
    assert len(platform.orders) == 5
    assert {order["asset_id"] for order in platform.orders} == {"BTC", "ETH"}
    assert "rejected with 422 insufficient_holding" in output
    assert output.count("portfolio of ") == 2
    assert "TOTAL" in output


def test_demo_reports_unreachable_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CNOP_USER_PORT", "8399")

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    def make_client(service: demo.Service) -> httpx.Client:
        return httpx.Client(base_url=service.url(), transport=httpx.MockTransport(refuse))

    with pytest.raises(demo.DemoError, match=r"user service is not reachable at .*:8399"):
        demo.run(make_client, lambda _line: None)


def test_main_prints_error_and_fails(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def fail(*_args: Any) -> None:
        raise demo.DemoError("The order service is not reachable")

    monkeypatch.setattr(demo, "run", fail)

    assert demo.main() == 1
    assert "demo failed: The order service is not reachable" in capsys.readouterr().err


def test_portfolio_table_aligns_columns() -> None:
    table = demo.portfolio_table(
        {
            "positions": [
                {"asset_id": "BTC", "quantity": "0.5", "average_cost": "90000.1",
                 "current_price": "91000", "market_value": "45500.00",
                 "unrealized_pnl": "499.95", "realized_pnl": "0.00"}
            ],
            "totals": {"cash": "1.00", "equity": "45501.00", "unrealized_pnl": "499.95",
                       "realized_pnl": "0.00"},
        }
    )  # fmt: skip

    lines = table.splitlines()
    assert len({len(line) for line in lines}) == 1
    assert lines[0].split("|")[0].strip() == "asset"
