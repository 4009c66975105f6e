"""Chaos: a concurrent trading workload under DynamoDB faults and an order-service SIGKILL.

Twenty users register, log in, deposit, withdraw, buy (by quantity and by notional) and
sell through eight concurrent clients. The services fail about one DynamoDB call in seven
(conflicts, throttling, timeouts, resets, lost responses) and the order service is killed
with SIGKILL and restarted mid-run. Afterwards the invariant checker finds nothing, and
every acknowledged request has its effect exactly once.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import httpx
import pytest

from devstack.invariants import Report, check_tables
from tests.chaos.conftest import ChaosStack
from tests.chaos.workload import (
    PASSWORD,
    Action,
    Asset,
    Outcome,
    RetryingClient,
    Stats,
    perform,
    plan_actions,
)

pytestmark = pytest.mark.slow

SEED = 20261207
USERS = 20
CLIENTS = 8
ACTIONS = 2400
KILL_AFTER_SHARE = 0.4
# Clients take no new action after this many seconds; the test then checks what ran.
WORKLOAD_BUDGET_S = 90.0
TRADED_ASSETS = 4
ORDERS_PATH = "/api/v1/orders"


def register_and_login(stack: ChaosStack, stats: Stats, usernames: Sequence[str]) -> list[str]:
    """Register each user (a 409 after a lost response means it exists) and return tokens."""

    def session(username: str) -> str:
        client = RetryingClient(stack.url("user"), stats, random.Random(username))
        try:
            account = {"username": username, "email": f"{username}@example.com",
                       "password": PASSWORD}  # fmt: skip
            registered = client.send("/api/v1/auth/register", account, {})
            assert registered.status_code in (201, 409), registered.text
            login = client.send(
                "/api/v1/auth/login", {"username": username, "password": PASSWORD}, {}
            )
            assert login.status_code == 200, login.text
            return str(login.json()["access_token"])
        finally:
            client.close()

    with ThreadPoolExecutor(CLIENTS) as pool:
        return list(pool.map(session, usernames))


def tradable_assets(stack: ChaosStack, rng: random.Random) -> list[Asset]:
    with httpx.Client(base_url=stack.url("inventory"), timeout=5) as inventory:
        for _attempt in range(50):
            response = inventory.get("/api/v1/inventory/assets", params={"limit": 100})
            if response.status_code == 200:
                break
            time.sleep(0.2)
        response.raise_for_status()
    assets = [
        Asset(item["asset_id"], Decimal(item["quantity_step"]), Decimal(item["price"]))
        for item in response.json()["items"]
        if item["price"] is not None
    ]
    return rng.sample(assets, TRADED_ASSETS)


class Workload:
    """Runs actions on client threads; the caller may act once a share of them is done."""

    def __init__(self, stack: ChaosStack, stats: Stats, tokens: dict[str, str]) -> None:
        self.stack, self.stats, self.tokens = stack, stats, tokens
        self.lock = threading.Lock()
        self.done = 0
        self.stop = threading.Event()

    def run(
        self,
        actions: Sequence[Action],
        outcomes: dict[str, Outcome],
        deadline: float,
        midway: Callable[[], None] | None = None,
    ) -> None:
        pending = iter(actions)
        self.done = 0

        def client_loop(index: int) -> None:
            jitter = random.Random(index)
            users = RetryingClient(self.stack.url("user"), self.stats, jitter)
            orders = RetryingClient(self.stack.url("order"), self.stats, jitter)
            try:
                while not self.stop.is_set() and time.monotonic() < deadline:
                    with self.lock:
                        action = next(pending, None)
                    if action is None:
                        return
                    client = orders if action.path == ORDERS_PATH else users
                    perform(client, self.tokens[action.username], action, outcomes[action.key])
                    with self.lock:
                        self.done += 1
            except BaseException:
                self.stop.set()
                raise
            finally:
                users.close()
                orders.close()

        with ThreadPoolExecutor(CLIENTS) as pool:
            futures = [pool.submit(client_loop, index) for index in range(CLIENTS)]
            if midway is not None:
                while self.done < len(actions) * KILL_AFTER_SHARE and not self.stop.is_set():
                    if all(future.done() for future in futures):
                        break
                    time.sleep(0.05)
                midway()
            for future in futures:
                future.result()


def acknowledged_bodies(outcomes: Sequence[Outcome]) -> list[tuple[Action, dict[str, Any]]]:
    """Return each acknowledged action with its first 2xx body."""
    return [(o.action, o.acknowledged) for o in outcomes if o.acknowledged is not None]


def expected_effects(
    acknowledged: Sequence[tuple[Action, dict[str, Any]]],
) -> tuple[dict[str, Decimal], dict[tuple[str, str], Decimal]]:
    """Return each user's cash and each holding implied by the acknowledged responses."""
    cash: dict[str, Decimal] = defaultdict(Decimal)
    holdings: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for action, body in acknowledged:
        user = action.username
        if action.path != ORDERS_PATH:
            cash[user] += Decimal(body["amount"])
        elif body["side"] == "buy":
            cash[user] -= Decimal(body["net_amount"])
            holdings[(user, body["asset_id"])] += Decimal(body["quantity"])
        else:
            cash[user] += Decimal(body["net_amount"])
            holdings[(user, body["asset_id"])] -= Decimal(body["quantity"])
    return cash, holdings


def check_exactly_once(
    report: Report, outcomes: Sequence[Outcome], usernames: Sequence[str]
) -> None:
    acknowledged = acknowledged_bodies(outcomes)
    snapshot = report.snapshot

    # Each acknowledged order exists once, and no order exists that was not acknowledged
    order_ids = [body["order_id"] for action, body in acknowledged if action.path == ORDERS_PATH]
    assert len(set(order_ids)) == len(order_ids)
    assert sorted(order.order_id for order in snapshot.orders) == sorted(order_ids)

    # Each acknowledged deposit or withdrawal has exactly its one ledger entry
    cash_ids = [
        body["transaction_id"] for action, body in acknowledged if action.path != ORDERS_PATH
    ]
    stored_cash_ids = [
        entry.transaction_id for entry in snapshot.ledger if entry.type in ("deposit", "withdrawal")
    ]
    assert sorted(stored_cash_ids) == sorted(cash_ids)

    # A user's ledger has one entry per acknowledged key of that user
    entries = Counter(entry.username for entry in snapshot.ledger)
    assert entries == Counter(action.username for action, _body in acknowledged)

    # Balances and holdings equal the sums of the acknowledged responses
    cash, holdings = expected_effects(acknowledged)
    stored_cash = {balance.username: balance.amount for balance in snapshot.balances}
    assert stored_cash == {username: cash.get(username, Decimal(0)) for username in usernames}
    stored_holdings = {(h.username, h.asset_id): h.quantity for h in snapshot.holdings}
    assert stored_holdings == dict(holdings)


def check_replays(outcomes: Sequence[Outcome]) -> int:
    """Check that every 2xx of a key repeats the first; return how many were replays."""
    replays = 0
    for outcome in outcomes:
        first = outcome.acknowledged
        for status, body, replayed in outcome.answers:
            if 200 <= status < 300:
                assert body == first, outcome.action
                replays += replayed
    return replays


def test_chaos_keeps_money_exact(chaos_stack: ChaosStack) -> None:
    # Given 20 registered users and a seeded plan of opening deposits and random actions
    started = time.monotonic()
    rng = random.Random(SEED)
    stats = Stats()
    usernames = [f"chaos{index:02d}" for index in range(USERS)]
    tokens = dict(zip(usernames, register_and_login(chaos_stack, stats, usernames), strict=True))
    plan = plan_actions(rng, usernames, tradable_assets(chaos_stack, rng), ACTIONS)
    opening, trading = plan[:USERS], plan[USERS:]
    outcomes = {action.key: Outcome(action) for action in plan}

    # When eight clients run them under faults, and the order service is killed midway
    workload = Workload(chaos_stack, stats, tokens)
    deadline = time.monotonic() + WORKLOAD_BUDGET_S
    workload.run(opening, outcomes, deadline)
    workload.run(trading, outcomes, deadline, midway=lambda: chaos_stack.kill_and_restart("order"))
    sent = [outcome for outcome in outcomes.values() if outcome.answers]

    # Then the books balance and every acknowledged request took effect exactly once
    report = check_tables(chaos_stack.settings)
    assert report.violations == [], "\n".join(report.lines())
    check_exactly_once(report, sent, usernames)
    replays = check_replays(sent)

    # And the run really exercised faults, retries, replays and the kill
    faults = chaos_stack.faults_injected()
    print(
        f"\nchaos: {time.monotonic() - started:.1f} s, {len(sent)} of {len(plan)} actions, "
        f"{sum(o.acknowledged is not None for o in sent)} acknowledged, "
        f"{len(report.snapshot.orders)} orders, {stats.counts['requests']} HTTP requests, "
        f"{faults} faults injected, {chaos_stack.kills} kill(s), {replays} replays; "
        f"client saw {dict(sorted(stats.counts.items()))}"
    )
    assert chaos_stack.kills == 1
    assert faults > 0
    assert replays > 0
    assert len(sent) >= USERS + ACTIONS // 2
    assert stats.counts["status:500"] == 0, chaos_stack.log_tail()
