"""`make demo`: a trading session over the real HTTP APIs of a running `make run`.

Two traders register, log in and deposit through the user service, read the catalog from
the inventory service, then buy by quantity and by notional, sell, and one tries to sell
more than it holds, through the order service. Each portfolio is printed as a table.
Base URLs come from CNOP_USER_PORT, CNOP_INVENTORY_PORT and CNOP_ORDER_PORT (8001-8003)
on 127.0.0.1 only.
"""

from __future__ import annotations

import os
import secrets
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Any

import httpx

# Every path and JSON field name the demo relies on, so that a change of another service's
# API is one edit here.
API = {
    "register": "/api/v1/auth/register",
    "login": "/api/v1/auth/login",
    "deposit": "/api/v1/balance/deposit",
    "catalog": "/api/v1/inventory/assets",
    "orders": "/api/v1/orders",
    "portfolio": "/api/v1/portfolio",
    "balance": "/api/v1/assets/{asset_id}/balance",
}
FIELDS = {
    "access_token": "access_token",
    "catalog_items": "items",
    "asset_id": "asset_id",
    "asset_status": "status",
    "asset_step": "quantity_step",
    "asset_price": "price",
}
PREFERRED_ASSETS = ("BTC", "ETH", "SOL")
DEPOSIT = "10000.00"
TIMEOUT_S = 10.0


class DemoError(RuntimeError):
    """Raised with a message for the person running the demo."""


@dataclass(frozen=True)
class Service:
    name: str
    port_variable: str
    default_port: int

    def url(self) -> str:
        return f"http://127.0.0.1:{int(os.environ.get(self.port_variable, self.default_port))}"


USER = Service("user", "CNOP_USER_PORT", 8001)
INVENTORY = Service("inventory", "CNOP_INVENTORY_PORT", 8002)
ORDER = Service("order", "CNOP_ORDER_PORT", 8003)

ClientFactory = Callable[[Service], httpx.Client]


def default_client(service: Service) -> httpx.Client:
    return httpx.Client(base_url=service.url(), timeout=TIMEOUT_S)


class Session:
    """HTTP clients of the three services and the calls the demo makes."""

    def __init__(self, make_client: ClientFactory, out: Callable[[str], None]) -> None:
        self.clients = {service.name: make_client(service) for service in (USER, INVENTORY, ORDER)}
        self.urls = {service.name: service.url() for service in (USER, INVENTORY, ORDER)}
        self.out = out

    def call(self, service: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self.clients[service].request(method, path, **kwargs)
        except httpx.TransportError as error:
            raise DemoError(
                f"The {service} service is not reachable at {self.urls[service]} ({error}). "
                "Start the platform with `make run` and keep it running, or set "
                f"CNOP_{service.upper()}_PORT to its port."
            ) from error

    def expect(self, response: httpx.Response, status: int, what: str) -> Any:
        if response.status_code != status:
            raise DemoError(f"{what} failed with {response.status_code}: {response.text}")
        return response.json()

    def check_health(self) -> None:
        for name in self.clients:
            self.expect(self.call(name, "GET", "/health/live"), 200, f"{name} health check")

    def open_account(self, username: str) -> dict[str, str]:
        password = secrets.token_urlsafe(16)
        body = {"username": username, "email": f"{username}@example.com", "password": password}
        self.expect(self.call("user", "POST", API["register"], json=body), 201, "Registration")
        login = {"username": username, "password": password}
        tokens = self.expect(self.call("user", "POST", API["login"], json=login), 200, "Login")
        headers = {"Authorization": f"Bearer {tokens[FIELDS['access_token']]}"}
        deposit = self.call(
            "user", "POST", API["deposit"], json={"amount": DEPOSIT},
            headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
        )  # fmt: skip
        if deposit.status_code not in (200, 201):
            raise DemoError(f"Deposit failed with {deposit.status_code}: {deposit.text}")
        self.out(f"{username}: registered, logged in, deposited {DEPOSIT} USD")
        return headers

    def tradable_assets(self) -> list[dict[str, Any]]:
        catalog = self.expect(self.call("inventory", "GET", API["catalog"]), 200, "Catalog")
        items = catalog[FIELDS["catalog_items"]] if isinstance(catalog, dict) else catalog
        trading = [item for item in items if item.get(FIELDS["asset_status"]) == "trading"]
        trading.sort(key=lambda item: _preference(item[FIELDS["asset_id"]]))
        if len(trading) < 2:
            raise DemoError("The catalog has fewer than two trading assets; is it seeded?")
        return trading[:3]

    def order(self, headers: dict[str, str], **body: str) -> httpx.Response:
        response = self.call(
            "order", "POST", API["orders"], json=body,
            headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
        )  # fmt: skip
        if response.status_code == 201:
            order = response.json()
            self.out(
                f"  {order['type']:<11} {order['quantity']:>14} {order['asset_id']:<6} "
                f"at {order['price']:>12}  net {order['net_amount']:>10} USD  "
                f"fee {order['fee']} USD"
            )
        return response

    def held(self, headers: dict[str, str], asset_id: str) -> Decimal:
        path = API["balance"].format(asset_id=asset_id)
        body = self.expect(self.call("order", "GET", path, headers=headers), 200, "Balance")
        return Decimal(body["quantity"])


def _preference(asset_id: str) -> int:
    return PREFERRED_ASSETS.index(asset_id) if asset_id in PREFERRED_ASSETS else 99


def half_of(quantity: Decimal, step: Decimal) -> Decimal:
    return (quantity / 2 / step).to_integral_value(rounding=ROUND_FLOOR) * step


def portfolio_table(portfolio: dict[str, Any]) -> str:
    """Render a portfolio response as a fixed-width text table."""
    header = ("asset", "quantity", "avg cost", "price", "value", "unrealized", "realized")
    rows = [
        (
            position["asset_id"],
            position["quantity"],
            position["average_cost"] or "-",
            position["current_price"] or "-",
            position["market_value"] or "-",
            position["unrealized_pnl"] or "-",
            position["realized_pnl"],
        )
        for position in portfolio["positions"]
    ]
    totals = portfolio["totals"]
    rows.append(("CASH", "", "", "", totals["cash"], "", ""))
    rows.append(
        ("TOTAL", "", "", "", totals["equity"], totals["unrealized_pnl"], totals["realized_pnl"])
    )
    widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(len(header))]
    lines = [" | ".join(str(cell).rjust(width) for cell, width in zip(row, widths, strict=True))
             for row in (header, *rows)]  # fmt: skip
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(lines)


def run(make_client: ClientFactory = default_client, out: Callable[[str], None] = print) -> None:
    """Run the whole session; raise DemoError with a readable message when a step fails."""
    session = Session(make_client, out)
    session.check_health()
    assets = session.tradable_assets()
    first, second = assets[0], assets[1]
    first_id, second_id = first[FIELDS["asset_id"]], second[FIELDS["asset_id"]]
    suffix = uuid.uuid4().hex[:6]
    traders = {name: session.open_account(f"{name}{suffix}") for name in ("alice", "bob")}

    out(f"alice trades {first_id} and {second_id}:")
    alice = traders["alice"]
    _check(session.order(alice, type="market_buy", asset_id=first_id, notional="2500.00"))
    _check(session.order(alice, type="market_buy", asset_id=second_id, notional="1500.00"))
    step = Decimal(str(first[FIELDS["asset_step"]]))
    sell = half_of(session.held(alice, first_id), step)
    _check(session.order(alice, type="market_sell", asset_id=first_id, quantity=f"{sell:f}"))

    out(f"bob trades {second_id}:")
    bob = traders["bob"]
    bought = session.order(bob, type="market_buy", asset_id=second_id, notional="3000.00")
    quantity = _check(bought)["quantity"]
    _check(session.order(bob, type="market_buy", asset_id=second_id, quantity=quantity))
    held = session.held(bob, second_id)
    out(f"bob tries to sell {held * 2:f} {second_id} while holding {held:f}:")
    oversell = session.order(bob, type="market_sell", asset_id=second_id, quantity=f"{held * 2:f}")
    problem = oversell.json()
    out(f"  rejected with {oversell.status_code} {problem.get('code')}: {problem.get('detail')}")

    for headers in traders.values():
        portfolio = session.expect(
            session.call("order", "GET", API["portfolio"], headers=headers), 200, "Portfolio"
        )
        out(f"\nportfolio of {portfolio['username']}:")
        out(portfolio_table(portfolio))


def _check(response: httpx.Response) -> Any:
    if response.status_code != 201:
        raise DemoError(f"Order failed with {response.status_code}: {response.text}")
    return response.json()


def main() -> int:
    try:
        run()
    except DemoError as error:
        print(f"demo failed: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
