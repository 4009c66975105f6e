"""`make bench`: measure the platform on this machine and write docs/benchmarks.md.

The script starts its own in-memory DynamoDB Local and the three services on 127.0.0.1
(ports from CNOP_DYNAMODB_PORT, CNOP_USER_PORT, CNOP_INVENTORY_PORT, CNOP_ORDER_PORT),
runs a fixed number of requests per measurement, and stops every process it started by
PID. It measures:

- the raw DynamoDB Local rate of a `TransactWriteItems` shaped like an order's (seven
  items across the users and orders tables), with boto3 alone, at concurrency 1, 4 and 16;
- order placement through HTTP (`POST /api/v1/orders`) at the same concurrency levels;
- order-history page latency (`GET /api/v1/orders`) for a user with 10 and 10,000 orders;
- portfolio latency (`GET /api/v1/portfolio`) for a user with 1 and 12 holdings.

An HTTP measurement whose endpoint returns 404 (or rejects its first request) is reported as
not available, with the request and status, rather than stopping the run.
"""

from __future__ import annotations

import os
import platform
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import structlog

from common.dynamodb.attributes import new_id, sortable_time
from common.dynamodb.models import configure_models
from common.dynamodb.tables import ORDERS_TABLE, USERS_TABLE, create_tables, dynamodb_client
from common.entities.orders import Order, OrderSide, OrderStatus, OrderType
from common.settings import CommonSettings
from devstack.dynamodb_local import REPO_ROOT, DynamoDBLocal, data_dir, local_environment

log = structlog.get_logger("devstack.bench")

CONCURRENCY_LEVELS = (1, 4, 16)
RAW_TRANSACTIONS_PER_LEVEL = 600
RAW_WARM_UP = 200
ORDERS_PER_LEVEL = 300
LATENCY_SAMPLES = 100
HISTORY_SIZES = (10, 10_000)
# The seeded catalog has 12 assets, so 12 is the most holdings one user can have.
HOLDING_COUNTS = (1, 12)
PAGE_PATH = REPO_ROOT / "docs" / "benchmarks.md"
HTTP_TIMEOUT_S = 10.0
# The page's section from this heading on is written by hand and kept by each run.
PROFILE_HEADING = "## Profile of the order path"
ORDER_NOTIONAL = "10.00"
FUNDING_AMOUNT = "100000.00"
FUNDING_DEPOSITS = 2


class EndpointNotAvailable(Exception):  # noqa: N818 - a signal that a route does not exist yet
    """Raised when an endpoint a measurement needs returns 404 or rejects the probe request."""


@dataclass(frozen=True)
class Measurement:
    """One table row: a request loop's throughput and latency percentiles, or why it is absent."""

    name: str
    concurrency: int
    requests: int = 0
    duration_s: float = 0.0
    latencies_ms: tuple[float, ...] = ()
    unavailable_reason: str | None = None

    @property
    def available(self) -> bool:
        return self.unavailable_reason is None and bool(self.latencies_ms)

    @property
    def throughput(self) -> float:
        return self.requests / self.duration_s if self.duration_s > 0 else 0.0

    def percentile(self, q: float) -> float:
        return percentile(self.latencies_ms, q)


def percentile(samples: Sequence[float], q: float) -> float:
    """Return the q-th percentile (0-100) with linear interpolation between closest ranks."""
    if not samples:
        raise ValueError("percentile of no samples")
    if not 0 <= q <= 100:
        raise ValueError(f"percentile {q} is outside 0-100")
    if len(samples) == 1:
        return float(samples[0])
    if q == 0:
        return float(min(samples))
    if q == 100:
        return float(max(samples))
    return statistics.quantiles(samples, n=100, method="inclusive")[round(q) - 1]


def not_available(name: str, concurrency: int, reason: str) -> Measurement:
    return Measurement(name=name, concurrency=concurrency, unavailable_reason=reason)


def run_loop(
    name: str, concurrency: int, requests: int, call: Callable[[int], None]
) -> Measurement:
    """Run `call(i)` for i in range(requests) on `concurrency` threads and time each call."""
    latencies: list[float] = []
    lock = threading.Lock()

    def timed(index: int) -> None:
        started = time.perf_counter()
        call(index)
        elapsed_ms = (time.perf_counter() - started) * 1000
        with lock:
            latencies.append(elapsed_ms)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for future in [pool.submit(timed, index) for index in range(requests)]:
            future.result()
    duration = time.perf_counter() - started
    return Measurement(name, concurrency, requests, duration, tuple(latencies))


def format_row(measurement: Measurement) -> str:
    if not measurement.available:
        reason = measurement.unavailable_reason or "no samples"
        return f"| {measurement.name} | {measurement.concurrency} | not available ({reason}) | | |"
    return (
        f"| {measurement.name} | {measurement.concurrency} | {measurement.throughput:,.1f} "
        f"| {measurement.percentile(50):.1f} | {measurement.percentile(99):.1f} |"
    )


def render_table(measurements: Sequence[Measurement]) -> str:
    lines = [
        "| measurement | concurrency | throughput (requests/s) | p50 (ms) | p99 (ms) |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    lines.extend(format_row(measurement) for measurement in measurements)
    return "\n".join(lines)


def throughput_ratios(
    orders: Sequence[Measurement], raw: Sequence[Measurement]
) -> list[tuple[int, float | None]]:
    """Pair order and raw measurements by concurrency: order throughput / raw throughput."""
    raw_by_level = {m.concurrency: m for m in raw if m.available}
    ratios: list[tuple[int, float | None]] = []
    for order in orders:
        base = raw_by_level.get(order.concurrency)
        if not order.available or base is None or base.throughput == 0:
            ratios.append((order.concurrency, None))
        else:
            ratios.append((order.concurrency, order.throughput / base.throughput))
    return ratios


def render_ratios(ratios: Sequence[tuple[int, float | None]]) -> str:
    lines = []
    for concurrency, ratio in ratios:
        value = "not available" if ratio is None else f"{ratio:.2f}"
        lines.append(f"- concurrency {concurrency}: {value}")
    return "\n".join(lines) if lines else "- not available"


@dataclass(frozen=True)
class Machine:
    cpus: int
    cpu_model: str
    memory_gib: float
    python: str
    system: str


def parse_cpu_model(cpuinfo: str) -> str:
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name":
            return value.strip()
    return "unknown"


def parse_memory_gib(meminfo: str) -> float:
    for line in meminfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "MemTotal":
            kibibytes = int(value.split()[0])
            return kibibytes / (1024 * 1024)
    return 0.0


def read_text(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def describe_machine() -> Machine:
    return Machine(
        cpus=os.cpu_count() or 0,
        cpu_model=parse_cpu_model(read_text(Path("/proc/cpuinfo"))),
        memory_gib=parse_memory_gib(read_text(Path("/proc/meminfo"))),
        python=platform.python_version(),
        system=f"{platform.system()} {platform.release()}",
    )


@dataclass
class BenchResults:
    machine: Machine
    raw: list[Measurement] = field(default_factory=list)
    orders: list[Measurement] = field(default_factory=list)
    latency: list[Measurement] = field(default_factory=list)
    finished_at: datetime = field(default_factory=lambda: datetime.now(UTC))


def render_page(results: BenchResults) -> str:
    """Render docs/benchmarks.md from one run's results."""
    machine = results.machine
    table = render_table([*results.raw, *results.orders, *results.latency])
    return f"""# Benchmarks

Figures from one run of `make bench` ({results.finished_at:%Y-%m-%d %H:%M} UTC) on
this machine. They describe DynamoDB Local on one host, not AWS DynamoDB, and change with
the machine and its load. Rerun `make bench` to refresh them.

## Machine

- CPUs: {machine.cpus} ({machine.cpu_model})
- Memory: {machine.memory_gib:.1f} GiB
- System: {machine.system}, Python {machine.python}

## Method

`tools/devstack/bench.py` starts an in-memory DynamoDB Local (`-disableTelemetry`) and the
three services (uvicorn, one process each, `CNOP_LOG_LEVEL=WARNING`) on 127.0.0.1, then
runs each measurement as a fixed number of requests spread over a thread pool of the given
concurrency. Latency is measured per request on the client, from send to full response.

- **raw TransactWriteItems**: boto3 alone, {RAW_TRANSACTIONS_PER_LEVEL} transactions per
  level after {RAW_WARM_UP} untimed warm-up transactions. Each has the seven items of a buy
  order: the cash balance update with an `amount >= cost` condition and a ledger put in the
  users table, and the idempotency record put, order put, asset balance update, asset
  transaction put and audit event put in the orders table. Each thread trades for its own
  user, so transactions do not conflict.
- **order placement**: `POST /api/v1/orders` (market buy of {ORDER_NOTIONAL} USD notional,
  a new `Idempotency-Key` each), {ORDERS_PER_LEVEL} orders per level, one user per thread.
  Every user is registered, logged in and funded through the user service
  (`POST /api/v1/balance/deposit`, {FUNDING_DEPOSITS} x {FUNDING_AMOUNT} USD).
- **order history page**: `GET /api/v1/orders` (first page, default size of 25),
  {LATENCY_SAMPLES} sequential requests for a user with {HISTORY_SIZES[0]} and with
  {HISTORY_SIZES[-1]:,} orders. These orders are written straight to the orders table with
  BatchWriteItem (order items only, one second apart), not placed over HTTP, because the
  page reads only order items and placing {HISTORY_SIZES[-1]:,} orders would take minutes.
- **portfolio**: `GET /api/v1/portfolio`, {LATENCY_SAMPLES} sequential requests for a user
  with {HOLDING_COUNTS[0]} and with {HOLDING_COUNTS[-1]} holdings, bought over HTTP. The
  seeded catalog has 12 assets, so 12 holdings is the most one user can have.

Throughput is requests divided by the wall time of the whole loop, and p50 and p99 are
interpolated percentiles of the per-request latencies. A row marked "not available" means
its endpoint failed its first request in this run; the reason in brackets names the
request and status.

## Results

{table}

## Order throughput relative to the raw transaction rate

Order placement throughput divided by the raw `TransactWriteItems` throughput at the same
concurrency (1.00 would mean the HTTP path adds no cost beyond the transaction):

{render_ratios(throughput_ratios(results.orders, results.raw))}
"""


def kept_section(page: str) -> str:
    """Return the hand-written part of an existing page: from PROFILE_HEADING to the end."""
    start = page.find(PROFILE_HEADING)
    return "" if start < 0 else "\n" + page[start:]


# Raw DynamoDB Local rate -------------------------------------------------------------------


def order_transaction(
    prefix: str, username: str, amount: Decimal, index: int
) -> list[dict[str, Any]]:
    """Return the seven TransactItems of one buy order, keyed as the data model documents."""
    users = USERS_TABLE.full_name(prefix)
    orders = ORDERS_TABLE.full_name(prefix)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    order_id = uuid.uuid4().hex
    cost = str(amount)
    return [
        {
            "Update": {
                "TableName": users,
                "Key": {"pk": {"S": f"USER#{username}"}, "sk": {"S": "BALANCE"}},
                "UpdateExpression": "SET amount = amount - :cost, updated_at = :now",
                "ConditionExpression": "amount >= :cost",
                "ExpressionAttributeValues": {":cost": {"N": cost}, ":now": {"S": now}},
            }
        },
        {
            "Put": {
                "TableName": users,
                "Item": {
                    "pk": {"S": f"USER#{username}"},
                    "sk": {"S": f"TXN#{now}#{order_id}"},
                    "type": {"S": "order_buy"},
                    "amount": {"N": f"-{cost}"},
                    "reference_id": {"S": order_id},
                },
            }
        },
        {
            "Put": {
                "TableName": orders,
                "Item": {
                    "pk": {"S": order_id},
                    "sk": {"S": "ORDER"},
                    "username": {"S": username},
                    "asset_order_sk": {"S": f"BTC#{now}#{order_id}"},
                    "created_order_sk": {"S": f"{now}#{order_id}"},
                    "quantity": {"N": "0.0001"},
                    "cost": {"N": cost},
                },
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
        {
            "Update": {
                "TableName": orders,
                "Key": {"pk": {"S": f"USER#{username}"}, "sk": {"S": "BALANCE#BTC"}},
                "UpdateExpression": "ADD quantity :quantity, cost_basis :cost",
                "ExpressionAttributeValues": {
                    ":quantity": {"N": "0.0001"},
                    ":cost": {"N": cost},
                },
            }
        },
        {
            "Put": {
                "TableName": orders,
                "Item": {
                    "pk": {"S": f"USER#{username}"},
                    "sk": {"S": f"TXN#BTC#{now}#{order_id}"},
                    "quantity": {"N": "0.0001"},
                    "order_id": {"S": order_id},
                },
            }
        },
        {
            "Put": {
                "TableName": orders,
                "Item": {
                    "pk": {"S": f"IDEMPOTENCY#order#{username}#bench-{index}-{order_id}"},
                    "sk": {"S": "IDEMPOTENCY"},
                    "status_code": {"N": "201"},
                    "response_body": {"S": "{}"},
                },
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
        {
            "Put": {
                "TableName": orders,
                "Item": {
                    "pk": {"S": f"AUDIT#{username}"},
                    "sk": {"S": f"{now}#{order_id}"},
                    "action": {"S": "order.filled"},
                },
            }
        },
    ]


RAW_OPENING_BALANCE = "1000000000"


def fund_raw_users(client: Any, prefix: str, count: int) -> list[str]:
    """Write `count` users with a large cash balance for the raw transactions."""
    usernames = [f"bench{uuid.uuid4().hex[:10]}" for _ in range(count)]
    for username in usernames:
        client.put_item(
            TableName=USERS_TABLE.full_name(prefix),
            Item={
                "pk": {"S": f"USER#{username}"},
                "sk": {"S": "BALANCE"},
                "amount": {"N": RAW_OPENING_BALANCE},
            },
        )
    return usernames


def measure_raw_transactions(
    client: Any, prefix: str, usernames: Sequence[str], transactions: int
) -> Measurement:
    """Time order-shaped transactions on DynamoDB on one thread per user."""
    slots: dict[int, str] = {}
    slot_lock = threading.Lock()

    def own_username() -> str:
        # Each pool thread takes one user, so concurrent transactions never share an item.
        thread_id = threading.get_ident()
        with slot_lock:
            if thread_id not in slots:
                slots[thread_id] = usernames[len(slots)]
            return slots[thread_id]

    def transact(index: int) -> None:
        client.transact_write_items(
            TransactItems=order_transaction(prefix, own_username(), Decimal("1.00"), index),
            ClientRequestToken=uuid.uuid4().hex,
        )

    name = "raw TransactWriteItems (boto3)"
    return run_loop(name, len(usernames), transactions, transact)


# HTTP measurements against the order service ---------------------------------------------


def check_available(response: httpx.Response) -> httpx.Response:
    """Raise `EndpointNotAvailable` naming the request when the response is an error."""
    if response.status_code >= 400:
        request = response.request
        raise EndpointNotAvailable(f"{request.method} {request.url.path}: {response.status_code}")
    return response


@dataclass(frozen=True)
class Trader:
    username: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class OrderApi:
    """Calls of the order and inventory services that the measurements need."""

    orders: httpx.Client
    inventory: httpx.Client

    def asset_ids(self) -> list[str]:
        response = check_available(
            self.inventory.get("/api/v1/inventory/assets", params={"limit": 100})
        )
        return [str(item["asset_id"]) for item in response.json()["items"]]

    def place_buy(self, trader: Trader, asset_id: str, notional: str = ORDER_NOTIONAL) -> None:
        response = self.orders.post(
            "/api/v1/orders",
            json={"type": "market_buy", "asset_id": asset_id, "notional": notional},
            headers={**trader.headers, "Idempotency-Key": uuid.uuid4().hex},
        )
        check_available(response)

    def history_page(self, trader: Trader) -> None:
        check_available(self.orders.get("/api/v1/orders", headers=trader.headers))

    def portfolio(self, trader: Trader) -> None:
        check_available(self.orders.get("/api/v1/portfolio", headers=trader.headers))


# A new trader with cash for the benchmark's orders.
FundUser = Callable[[], Trader]
# Writes `count` orders of one asset into a trader's history: (trader, asset_id, count).
SeedOrders = Callable[[Trader, str, int], None]


def measure_order_placement(
    api: OrderApi, fund_user: FundUser, asset_id: str, concurrency: int, orders: int
) -> Measurement:
    """Time `POST /api/v1/orders` with one funded user per thread."""
    name = "order placement (HTTP)"
    traders = [fund_user() for _ in range(concurrency)]
    slots: dict[int, Trader] = {}
    slot_lock = threading.Lock()

    def own_trader() -> Trader:
        thread_id = threading.get_ident()
        with slot_lock:
            if thread_id not in slots:
                slots[thread_id] = traders[len(slots)]
            return slots[thread_id]

    try:
        api.place_buy(traders[0], asset_id)
    except EndpointNotAvailable as error:
        return not_available(name, concurrency, str(error))
    return run_loop(name, concurrency, orders, lambda _i: api.place_buy(own_trader(), asset_id))


def measure_history_latency(
    api: OrderApi,
    fund_user: FundUser,
    seed_orders: SeedOrders,
    asset_id: str,
    order_count: int,
    samples: int,
) -> Measurement:
    """Give one user `order_count` orders, then time the first page of its history."""
    name = f"order history page, {order_count:,} orders"
    trader = fund_user()
    seed_orders(trader, asset_id, order_count)
    try:
        api.history_page(trader)
    except EndpointNotAvailable as error:
        return not_available(name, 1, str(error))
    return run_loop(name, 1, samples, lambda _i: api.history_page(trader))


def measure_portfolio_latency(
    api: OrderApi, fund_user: FundUser, asset_ids: Sequence[str], holdings: int, samples: int
) -> Measurement:
    """Buy `holdings` different assets for one user, then time its portfolio."""
    held = list(asset_ids[:holdings])
    name = f"portfolio, {len(held)} holdings"
    trader = fund_user()
    try:
        for asset_id in held:
            api.place_buy(trader, asset_id)
        api.portfolio(trader)
    except EndpointNotAvailable as error:
        return not_available(name, 1, str(error))
    return run_loop(name, 1, samples, lambda _i: api.portfolio(trader))


def measure_http(
    api: OrderApi,
    fund_user: FundUser,
    seed_orders: SeedOrders,
    levels: Sequence[int] = CONCURRENCY_LEVELS,
) -> tuple[list[Measurement], list[Measurement]]:
    """Run the HTTP measurements; a row whose endpoint fails its first call is "not available"."""
    try:
        asset_ids = api.asset_ids()
    except EndpointNotAvailable as error:
        reason = str(error)
        orders = [not_available("order placement (HTTP)", level, reason) for level in levels]
        latency = [
            *(not_available(f"order history page, {n:,} orders", 1, reason) for n in HISTORY_SIZES),
            *(not_available(f"portfolio, {n} holdings", 1, reason) for n in HOLDING_COUNTS),
        ]
        return orders, latency
    first = asset_ids[0]
    orders = [
        measure_order_placement(api, fund_user, first, level, ORDERS_PER_LEVEL) for level in levels
    ]
    latency = [
        *(
            measure_history_latency(api, fund_user, seed_orders, first, n, LATENCY_SAMPLES)
            for n in HISTORY_SIZES
        ),
        *(
            measure_portfolio_latency(api, fund_user, asset_ids, n, LATENCY_SAMPLES)
            for n in HOLDING_COUNTS
        ),
    ]
    return orders, latency


def http_funder(users: httpx.Client) -> FundUser:
    """Return a function that registers, logs in and funds a new trader through the user service.

    Each trader gets FUNDING_DEPOSITS deposits of the largest single amount allowed by
    default, which stays within the default daily deposit limit.
    """

    def fund() -> Trader:
        username = f"bench{uuid.uuid4().hex[:10]}"
        password = uuid.uuid4().hex
        account = {"username": username, "email": f"{username}@example.com", "password": password}
        check_available(users.post("/api/v1/auth/register", json=account))
        login = users.post("/api/v1/auth/login", json={"username": username, "password": password})
        trader = Trader(username, str(check_available(login).json()["access_token"]))
        for _ in range(FUNDING_DEPOSITS):
            deposit = users.post(
                "/api/v1/balance/deposit",
                json={"amount": FUNDING_AMOUNT},
                headers={**trader.headers, "Idempotency-Key": uuid.uuid4().hex},
            )
            check_available(deposit)
        return trader

    return fund


def seed_order(username: str, asset_id: str, created: datetime) -> Order:
    """Return a filled buy of one unit at 100 USD, keyed like the order service's orders."""
    created_at = sortable_time(created)
    order_id = new_id()
    return Order(
        *Order.key_for(order_id),
        username=username, asset_order_sk=f"{asset_id}#{created_at}#{order_id}",
        created_order_sk=f"{created_at}#{order_id}", order_id=order_id, asset_id=asset_id,
        order_type=OrderType.MARKET_BUY.value, side=OrderSide.BUY.value,
        status=OrderStatus.FILLED.value, quantity=Decimal(1), price=Decimal(100),
        price_as_of=created_at, gross_amount=Decimal("100.00"), fee=Decimal("0.10"), fee_bps=10,
        net_amount=Decimal("100.10"), created_at=created_at,
    )  # fmt: skip


def write_orders(trader: Trader, asset_id: str, count: int) -> None:
    """Write `count` order items straight to the orders table with BatchWriteItem.

    Only the order items are written (no cash movement, holding or ledger entry), because
    the history page reads nothing else; the models must be bound with `configure_models`.
    """
    start = datetime.now(UTC) - timedelta(seconds=count)
    with Order.batch_write() as batch:
        for index in range(count):
            batch.save(seed_order(trader.username, asset_id, start + timedelta(seconds=index)))


# Running the stack -------------------------------------------------------------------------


def run_bench() -> BenchResults:  # pragma: no cover - starts processes; run by `make bench`
    from devstack.run import (
        SERVICES,
        ensure_keys,
        seed_catalog,
        service_environment,
        start_service,
        stop_process,
        wait_ready,
    )

    results = BenchResults(machine=describe_machine())
    port = int(os.environ.get("CNOP_DYNAMODB_PORT", "8000"))
    database = DynamoDBLocal(port=port, db_path=None, startup_timeout_s=60)
    services: list[tuple[Any, Any]] = []
    database.start()
    try:
        private_key, public_key = ensure_keys(data_dir() / "keys")
        env = service_environment(database.endpoint_url, private_key, public_key)
        env["CNOP_LOG_LEVEL"] = "WARNING"
        os.environ.update(local_environment(database.endpoint_url))
        settings = CommonSettings(
            dynamodb_endpoint_url=database.endpoint_url, jwt_public_key_file=public_key
        )
        client = dynamodb_client(settings)
        create_tables(client, settings.table_prefix)
        seed_catalog(env)
        for spec in SERVICES:
            services.append((spec, start_service(spec, env)))
        deadline = time.monotonic() + 60
        for spec, process in services:
            wait_ready(spec, process, deadline)

        # Untimed warm-up, so the JVM's JIT compilation does not land in the first level.
        warm_up = fund_raw_users(client, settings.table_prefix, 4)
        measure_raw_transactions(client, settings.table_prefix, warm_up, RAW_WARM_UP)
        for level in CONCURRENCY_LEVELS:
            log.info("bench.raw_started", concurrency=level)
            usernames = fund_raw_users(client, settings.table_prefix, level)
            results.raw.append(
                measure_raw_transactions(
                    client, settings.table_prefix, usernames, RAW_TRANSACTIONS_PER_LEVEL
                )
            )

        configure_models(settings)
        urls = {spec.name: spec.url for spec in SERVICES}
        with (
            httpx.Client(base_url=urls["order"], timeout=HTTP_TIMEOUT_S) as orders,
            httpx.Client(base_url=urls["inventory"], timeout=HTTP_TIMEOUT_S) as inventory,
            httpx.Client(base_url=urls["user"], timeout=HTTP_TIMEOUT_S) as users,
        ):
            api = OrderApi(orders=orders, inventory=inventory)
            log.info("bench.http_started")
            results.orders, results.latency = measure_http(api, http_funder(users), write_orders)
    finally:
        for spec, process in reversed(services):
            stop_process(spec.name, process)
        database.stop()
    results.finished_at = datetime.now(UTC)
    return results


def main() -> int:  # pragma: no cover - starts processes; run by `make bench`
    from common.logging import configure_logging

    configure_logging("bench", os.environ.get("CNOP_LOG_LEVEL", "INFO"), json=False)
    results = run_bench()
    previous = PAGE_PATH.read_text() if PAGE_PATH.exists() else ""
    PAGE_PATH.write_text(render_page(results) + kept_section(previous))
    print(render_table([*results.raw, *results.orders, *results.latency]))
    print(f"\nwrote {PAGE_PATH.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
