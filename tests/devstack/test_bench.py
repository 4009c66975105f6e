"""The benchmark's pure parts, its HTTP measurements on mock transports, and its raw
transaction on DynamoDB Local."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from common.dynamodb.tables import dynamodb_client
from common.entities.orders import Order
from common.settings import CommonSettings
from devstack.bench import (
    RAW_OPENING_BALANCE,
    BenchResults,
    Machine,
    Measurement,
    OrderApi,
    Trader,
    fund_raw_users,
    http_funder,
    kept_section,
    measure_http,
    measure_raw_transactions,
    not_available,
    parse_cpu_model,
    parse_memory_gib,
    percentile,
    render_page,
    render_table,
    run_loop,
    throughput_ratios,
    write_orders,
)


def trader() -> Trader:
    return Trader("ada", "token")


def no_seed(_trader: Trader, _asset_id: str, _count: int) -> None:
    return None


MACHINE = Machine(cpus=2, cpu_model="Test CPU", memory_gib=7.5, python="3.11", system="Linux")


def measured(name: str, concurrency: int, requests: int, duration_s: float) -> Measurement:
    return Measurement(name, concurrency, requests, duration_s, (1.0, 2.0, 3.0, 4.0))


def test_percentile_interpolates() -> None:
    samples = [float(value) for value in range(1, 101)]

    assert percentile(samples, 50) == pytest.approx(50.5)
    assert percentile(samples, 99) == pytest.approx(99.01)
    assert percentile(samples, 0) == 1.0
    assert percentile(samples, 100) == 100.0
    assert percentile([7.0], 99) == 7.0


@pytest.mark.parametrize(("samples", "q"), [([], 50), ([1.0, 2.0], 101)])
def test_percentile_rejects_bad_input(samples: list[float], q: float) -> None:
    with pytest.raises(ValueError, match="percentile"):
        percentile(samples, q)


def test_run_loop_times_every_call() -> None:
    calls: list[int] = []

    result = run_loop("sleepless", 4, 20, calls.append)

    assert sorted(calls) == list(range(20))
    assert len(result.latencies_ms) == 20
    assert result.available
    assert result.throughput > 0


def test_table_shows_figures_and_gaps() -> None:
    rows = [measured("raw", 4, 100, 2.0), not_available("orders", 4, "POST /x: 404")]

    table = render_table(rows).splitlines()

    assert table[2] == "| raw | 4 | 50.0 | 2.5 | 4.0 |"
    assert table[3] == "| orders | 4 | not available (POST /x: 404) | | |"


def test_ratios_pair_by_concurrency() -> None:
    raw = [measured("raw", 1, 100, 1.0), measured("raw", 4, 400, 1.0)]
    orders = [
        measured("orders", 1, 50, 1.0),
        measured("orders", 4, 100, 1.0),
        not_available("orders", 16, "404"),
    ]

    ratios = throughput_ratios(orders, raw)

    assert ratios == [(1, 0.5), (4, 0.25), (16, None)]


def test_machine_parsing() -> None:
    cpuinfo = "processor\t: 0\nmodel name\t: Example CPU @ 2.00GHz\nflags\t: fpu\n"
    meminfo = "MemTotal:       8388608 kB\nMemFree: 1 kB\n"

    assert parse_cpu_model(cpuinfo) == "Example CPU @ 2.00GHz"
    assert parse_cpu_model("") == "unknown"
    assert parse_memory_gib(meminfo) == 8.0
    assert parse_memory_gib("") == 0.0


def test_page_states_machine_table_and_ratio() -> None:
    results = BenchResults(
        machine=MACHINE,
        raw=[measured("raw TransactWriteItems (boto3)", 1, 100, 1.0)],
        orders=[not_available("order placement (HTTP)", 1, "POST /api/v1/orders: 404")],
    )

    page = render_page(results)

    assert "- CPUs: 2 (Test CPU)" in page
    assert "- Memory: 7.5 GiB" in page
    assert "| raw TransactWriteItems (boto3) | 1 | 100.0 |" in page
    assert "- concurrency 1: not available" in page


def mock_client(handler: httpx.MockTransport) -> httpx.Client:
    return httpx.Client(base_url="http://127.0.0.1:1", transport=handler)


def test_http_rows_not_available_on_404() -> None:
    missing = httpx.MockTransport(lambda request: httpx.Response(404))
    api = OrderApi(orders=mock_client(missing), inventory=mock_client(missing))

    orders, latency = measure_http(api, fund_user=trader, seed_orders=no_seed, levels=(1, 4))

    assert [row.concurrency for row in orders] == [1, 4]
    assert all(not row.available for row in [*orders, *latency])
    assert len(latency) == 4
    assert orders[0].unavailable_reason == "GET /api/v1/inventory/assets: 404"


def test_http_rows_not_available_without_orders() -> None:
    catalog = {"items": [{"asset_id": "BTC"}, {"asset_id": "ETH"}]}
    inventory = httpx.MockTransport(lambda request: httpx.Response(200, json=catalog))
    missing = httpx.MockTransport(lambda request: httpx.Response(404))
    api = OrderApi(orders=mock_client(missing), inventory=mock_client(inventory))

    orders, latency = measure_http(api, fund_user=trader, seed_orders=no_seed, levels=(1,))

    assert orders[0].unavailable_reason == "POST /api/v1/orders: 404"
    assert [row.name for row in latency] == [
        "order history page, 10 orders",
        "order history page, 10,000 orders",
        "portfolio, 1 holdings",
        "portfolio, 2 holdings",
    ]
    assert all(not row.available for row in latency)


def test_http_rows_measured_when_endpoints_exist(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given services that accept every call, and small request counts
    monkeypatch.setattr("devstack.bench.ORDERS_PER_LEVEL", 5)
    monkeypatch.setattr("devstack.bench.HISTORY_SIZES", (3,))
    monkeypatch.setattr("devstack.bench.HOLDING_COUNTS", (2,))
    monkeypatch.setattr("devstack.bench.LATENCY_SAMPLES", 4)
    requests: list[str] = []

    seeded: list[tuple[str, str, int]] = []

    def accept(request: httpx.Request) -> httpx.Response:
        requests.append(f"{request.method} {request.url.path}")
        return httpx.Response(200, json={"items": [{"asset_id": "BTC"}, {"asset_id": "ETH"}]})

    def seed(trader: Trader, asset_id: str, count: int) -> None:
        seeded.append((trader.username, asset_id, count))

    api = OrderApi(orders=mock_client(httpx.MockTransport(accept)),
                   inventory=mock_client(httpx.MockTransport(accept)))  # fmt: skip

    # When the HTTP measurements run
    orders, latency = measure_http(api, fund_user=trader, seed_orders=seed, levels=(2,))

    # Then every row has figures and the endpoints were called
    assert orders[0].available
    assert orders[0].requests == 5
    names = [row.name for row in latency]
    assert names == ["order history page, 3 orders", "portfolio, 2 holdings"]
    assert all(row.available for row in latency)
    assert seeded == [("ada", "BTC", 3)]
    assert requests.count("GET /api/v1/orders") == 1 + 4
    assert requests.count("GET /api/v1/portfolio") == 1 + 4


def test_raw_transaction_commits_on_dynamodb(tables: CommonSettings) -> None:
    # Given two funded users
    client = dynamodb_client(tables)
    usernames = fund_raw_users(client, tables.table_prefix, 2)

    # When six order-shaped transactions run on two threads
    result = measure_raw_transactions(client, tables.table_prefix, usernames, transactions=6)

    # Then all six committed: 1.00 left the balances and six ledger entries exist
    balances = [
        Decimal(client.get_item(
            TableName=f"{tables.table_prefix}users",
            Key={"pk": {"S": f"USER#{username}"}, "sk": {"S": "BALANCE"}},
            ConsistentRead=True,
        )["Item"]["amount"]["N"])
        for username in usernames
    ]  # fmt: skip
    ledger_entries = sum(
        client.query(
            TableName=f"{tables.table_prefix}users",
            KeyConditionExpression="pk = :pk AND begins_with(sk, :txn)",
            ExpressionAttributeValues={":pk": {"S": f"USER#{name}"}, ":txn": {"S": "TXN#"}},
        )["Count"]
        for name in usernames
    )
    assert result.available
    assert result.requests == 6
    assert sum(balances) == 2 * Decimal(RAW_OPENING_BALANCE) - Decimal("6.00")
    assert ledger_entries == 6


def test_funder_registers_logs_in_and_deposits() -> None:
    # Given a user service that accepts every call
    calls: list[tuple[str, str]] = []

    def user_service(request: httpx.Request) -> httpx.Response:
        calls.append((request.url.path, request.headers.get("Authorization", "")))
        if request.url.path == "/api/v1/auth/login":
            return httpx.Response(200, json={"access_token": "token-1"})
        return httpx.Response(201, json={})

    # When one trader is funded
    fund = http_funder(mock_client(httpx.MockTransport(user_service)))
    funded = fund()

    # Then it registered, logged in and deposited twice with its token
    assert funded.token == "token-1"
    assert [path for path, _auth in calls] == [
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/balance/deposit",
        "/api/v1/balance/deposit",
    ]
    assert calls[-1][1] == "Bearer token-1"


def test_written_orders_fill_the_history(fresh_tables: CommonSettings) -> None:
    write_orders(Trader("ada", "token"), "BTC", 30)

    newest_first = list(Order.time_index.query("ada", scan_index_forward=False))

    assert len(newest_first) == 30
    assert newest_first[0].created_at > newest_first[-1].created_at


def test_rerun_keeps_the_profile_section() -> None:
    previous = "# Benchmarks\n\nold table\n\n## Profile of the order path\n\nfinding\n"

    assert kept_section(previous) == "\n## Profile of the order path\n\nfinding\n"
    assert kept_section("# Benchmarks\n") == ""
