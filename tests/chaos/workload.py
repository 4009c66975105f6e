"""A seeded random trading workload over HTTP, sent the way a careful client sends it.

Every money-moving request carries an `Idempotency-Key` and is resent with the same key
and body after a 5xx, a 429 or a transport error (refused connection, reset, timeout),
until it gets a definite response (2xx or another 4xx) or its deadline passes. So each
key ends with a known outcome, which is what lets the test count effects exactly.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from typing import Any

import httpx

HTTP_TIMEOUT_S = 5.0
REQUEST_DEADLINE_S = 60.0
PASSWORD = "chaos monkey passphrase"
REPLAY_HEADER = "Idempotent-Replayed"


class UnresolvedRequestError(AssertionError):
    """A request got no definite response before its deadline."""


@dataclass
class Stats:
    """Thread-safe counts of what the clients sent and received."""

    counts: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str) -> None:
        with self.lock:
            self.counts[name] += 1


@dataclass(frozen=True)
class Asset:
    asset_id: str
    step: Decimal
    price: Decimal

    def quantity_worth(self, usd: Decimal) -> Decimal:
        """Return the largest multiple of the step worth at most `usd`, at least one step."""
        steps = (usd / self.price / self.step).to_integral_value(rounding=ROUND_DOWN)
        return max(steps, Decimal(1)) * self.step


@dataclass(frozen=True)
class Action:
    """One money-moving request of one user; `repeat` sends it once more after a 2xx."""

    username: str
    kind: str  # deposit, withdraw, buy, buy_notional or sell
    path: str
    body: dict[str, str]
    key: str
    repeat: bool


@dataclass
class Outcome:
    """The definite responses the clients got for one idempotency key, in order."""

    action: Action
    answers: list[tuple[int, Any, bool]] = field(default_factory=list)

    @property
    def acknowledged(self) -> dict[str, Any] | None:
        """Return the first 2xx body, or None when the key never succeeded."""
        for status, body, _replayed in self.answers:
            if 200 <= status < 300:
                return dict(body)
        return None


class RetryingClient:
    """An httpx client that resends a request until it gets a definite response."""

    def __init__(self, base_url: str, stats: Stats, jitter: random.Random) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=HTTP_TIMEOUT_S)
        self.stats = stats
        self.jitter = jitter

    def send(self, path: str, body: dict[str, str], headers: dict[str, str]) -> httpx.Response:
        deadline = time.monotonic() + REQUEST_DEADLINE_S
        attempt = 0
        while True:
            attempt += 1
            self.stats.add("requests")
            try:
                response = self.http.post(path, json=body, headers=headers)
            except httpx.TransportError as error:
                self.stats.add(f"transport_error:{type(error).__name__}")
            else:
                if response.status_code < 500 and response.status_code != 429:
                    return response
                self.stats.add(f"status:{response.status_code}")
            if time.monotonic() > deadline:
                raise UnresolvedRequestError(f"POST {path} unresolved after {attempt} attempts")
            time.sleep(min(0.05 * 2**attempt, 1.0) * (0.5 + self.jitter.random()))

    def close(self) -> None:
        self.http.close()


def plan_actions(
    rng: random.Random, usernames: list[str], assets: list[Asset], count: int
) -> list[Action]:
    """Return an opening deposit per user, then `count` random actions of random users."""
    actions = [_cash(user, "deposit", Decimal("3000.00"), False) for user in usernames]
    kinds = ["deposit", "withdraw", "buy", "buy", "buy_notional", "buy_notional", "sell", "sell"]
    for _ in range(count):
        user, kind, asset = rng.choice(usernames), rng.choice(kinds), rng.choice(assets)
        repeat = rng.random() < 0.1
        if kind == "deposit":
            actions.append(_cash(user, kind, Decimal(rng.randint(5_000, 100_000)) / 100, repeat))
        elif kind == "withdraw":
            actions.append(_cash(user, kind, Decimal(rng.randint(1_000, 60_000)) / 100, repeat))
        elif kind == "buy_notional":
            notional = Decimal(rng.randint(1_500, 20_000)) / 100
            body = {"type": "market_buy", "asset_id": asset.asset_id, "notional": f"{notional}"}
            actions.append(_order(user, kind, body, repeat))
        else:
            usd = Decimal(rng.randint(15, 200) if kind == "buy" else rng.randint(10, 80))
            side = "market_buy" if kind == "buy" else "market_sell"
            quantity = asset.quantity_worth(usd)
            body = {"type": side, "asset_id": asset.asset_id, "quantity": f"{quantity}"}
            actions.append(_order(user, kind, body, repeat))
    return actions


def _cash(username: str, kind: str, amount: Decimal, repeat: bool) -> Action:
    path = f"/api/v1/balance/{kind}"
    return Action(username, kind, path, {"amount": f"{amount:.2f}"}, uuid.uuid4().hex, repeat)


def _order(username: str, kind: str, body: dict[str, str], repeat: bool) -> Action:
    return Action(username, kind, "/api/v1/orders", body, uuid.uuid4().hex, repeat)


def perform(client: RetryingClient, token: str, action: Action, outcome: Outcome) -> None:
    """Send the action until it is definite, and once more with the same key if asked."""
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": action.key}
    sends = 2 if action.repeat else 1
    for _ in range(sends):
        response = client.send(action.path, action.body, headers)
        replayed = response.headers.get(REPLAY_HEADER) == "true"
        if replayed:
            client.stats.add("replays")
        outcome.answers.append((response.status_code, response.json(), replayed))
        if not 200 <= response.status_code < 300:
            break
