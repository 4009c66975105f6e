"""Price providers: replay order and bounds, simulated determinism, live HTTP responses."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from pydantic import ValidationError

from inventory_service.market_data import BAR_LENGTH, Bar, load_bars
from inventory_service.providers import (
    AssetFeedInfo,
    LiveProvider,
    PriceProviderError,
    ReplayProvider,
    SimulatedProvider,
    build_provider,
    price_in_bar,
)
from inventory_service.settings import InventoryServiceSettings, PriceProviderName

CENT = Decimal("0.01")
BTC = AssetFeedInfo("BTC", CENT, live_price_id="bitcoin")
ETH = AssetFeedInfo("ETH", CENT, live_price_id="ethereum")
FIRST_BAR = datetime(2024, 11, 14, tzinfo=UTC)
T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def test_replay_starts_at_first_open() -> None:
    provider = ReplayProvider(speed=60)

    (point,) = provider.fetch([BTC], T0, T0)

    assert point.as_of == FIRST_BAR
    assert point.price == load_bars("BTC", CENT)[0].open


def test_replay_follows_bars_in_market_order() -> None:
    # Speed 3600: one hourly bar per wall-clock second.
    provider = ReplayProvider(speed=3600)
    bars = load_bars("BTC", CENT)

    points = [provider.fetch([BTC], T0 + timedelta(seconds=n), T0)[0] for n in range(50)]

    assert [point.as_of for point in points] == [bar.start for bar in bars[:50]]
    assert [point.price for point in points] == [bar.open for bar in bars[:50]]


def test_replay_never_leaves_bar_range() -> None:
    provider = ReplayProvider(speed=3600)
    bars = load_bars("ETH", CENT)

    for second in range(0, 200 * 100):
        elapsed = timedelta(seconds=second / 100)  # 100 samples per bar
        point = provider.fetch([ETH], T0 + elapsed, T0)[0]
        bar = bars[second // 100]
        assert bar.low <= point.price <= bar.high, (bar, point)


def test_replay_interpolation_visits_extremes() -> None:
    rising = Bar(FIRST_BAR, Decimal(10), Decimal(14), Decimal(8), Decimal(12))
    falling = Bar(FIRST_BAR, Decimal(12), Decimal(14), Decimal(8), Decimal(10))
    third = Decimal(1) / 3

    assert price_in_bar(rising, Decimal(0), CENT) == Decimal(10)
    assert price_in_bar(rising, third, CENT) == Decimal(8)
    assert price_in_bar(rising, 2 * third, CENT) == Decimal(14)
    assert price_in_bar(rising, Decimal(1), CENT) == Decimal(12)
    assert price_in_bar(falling, third, CENT) == Decimal(14)
    assert price_in_bar(falling, 2 * third, CENT) == Decimal(8)
    assert price_in_bar(rising, third / 2, CENT) == Decimal(9)


def test_replay_holds_close_in_missing_bar() -> None:
    # The data has no bar at 2025-01-02 14:00 UTC.
    start = datetime(2025, 1, 2, 14, 30, tzinfo=UTC)
    provider = ReplayProvider(speed=1, start=start)
    bars = load_bars("BTC", CENT)
    previous = next(bar for bar in bars if bar.start == start - timedelta(minutes=90))

    (point,) = provider.fetch([BTC], T0, T0)

    assert point.price == previous.close
    assert point.as_of == start


def test_replay_loops_after_last_bar() -> None:
    provider = ReplayProvider(speed=3600)
    bars = load_bars("BTC", CENT)
    span_hours = int((bars[-1].start + BAR_LENGTH - bars[0].start) / BAR_LENGTH)

    (point,) = provider.fetch([BTC], T0 + timedelta(seconds=span_hours), T0)

    assert point.as_of == FIRST_BAR
    assert point.price == bars[0].open


def test_replay_skips_asset_without_data() -> None:
    provider = ReplayProvider(speed=60)

    assert provider.fetch([AssetFeedInfo("NEW1", CENT)], T0, T0) == []


def run_simulation(seed: int) -> list[Decimal]:
    provider = SimulatedProvider(seed=seed, volatility=0.8, time_scale=3600)
    prices = []
    for step in range(20):
        points = provider.fetch([ETH, BTC], T0 + timedelta(seconds=5 * step), T0)
        prices.extend(point.price for point in points)
    return prices


def test_simulated_same_seed_same_path() -> None:
    first = run_simulation(seed=7)
    second = run_simulation(seed=7)

    assert first == second
    assert len(set(first)) > 10


def test_simulated_other_seed_other_path() -> None:
    assert run_simulation(seed=7) != run_simulation(seed=8)


def test_simulated_prices_stay_on_tick() -> None:
    prices = run_simulation(seed=3)

    assert all(price > 0 for price in prices)
    assert all(price % CENT == 0 for price in prices)


def test_simulated_starts_from_stored_price() -> None:
    provider = SimulatedProvider(seed=1, volatility=0.8, time_scale=60)
    asset = AssetFeedInfo("NEW1", CENT, last_price=Decimal("123.45"))

    (point,) = provider.fetch([asset], T0, T0)

    # The first update has no elapsed time, so the walk has not moved yet.
    assert point.price == Decimal("123.45")
    assert provider.fetch([AssetFeedInfo("NEW2", CENT)], T0, T0) == []


RECORDED_SUCCESS = {
    "bitcoin": {"usd": 97123.456, "last_updated_at": 1767614400},
    "ethereum": {"usd": 3301.5, "last_updated_at": 1767614401},
}


def live_provider(handler: httpx.MockTransport, sleeps: list[float]) -> LiveProvider:
    return LiveProvider(
        base_url="https://prices.example.test/api/v3/",
        timeout_s=1,
        max_attempts=3,
        transport=handler,
        sleep=sleeps.append,
    )


def test_live_parses_recorded_response() -> None:
    requests: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, text=json.dumps(RECORDED_SUCCESS))

    provider = live_provider(httpx.MockTransport(answer), [])

    points = provider.fetch([BTC, ETH], T0, T0)

    assert [point.asset_id for point in points] == ["BTC", "ETH"]
    assert points[0].price == Decimal("97123.46")
    assert points[1].price == Decimal("3301.50")
    assert points[0].as_of == datetime.fromtimestamp(1767614400, tz=UTC)
    assert requests[0].url.path == "/api/v3/simple/price"
    assert requests[0].url.params["ids"] == "bitcoin,ethereum"
    assert requests[0].url.params["vs_currencies"] == "usd"


def test_live_retries_timeouts_then_fails() -> None:
    sleeps: list[float] = []

    def time_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    provider = live_provider(httpx.MockTransport(time_out), sleeps)

    with pytest.raises(PriceProviderError, match="failed 3 times, last: ReadTimeout"):
        provider.fetch([BTC], T0, T0)
    assert sleeps == [0.5, 1.0]


def test_live_retries_server_error() -> None:
    answers = iter([httpx.Response(503), httpx.Response(200, json=RECORDED_SUCCESS)])
    sleeps: list[float] = []
    provider = live_provider(httpx.MockTransport(lambda _request: next(answers)), sleeps)

    points = provider.fetch([BTC], T0, T0)

    assert points[0].price == Decimal("97123.46")
    assert sleeps == [0.5]


def test_live_client_error_is_not_retried() -> None:
    sleeps: list[float] = []
    provider = live_provider(httpx.MockTransport(lambda _request: httpx.Response(401)), sleeps)

    with pytest.raises(PriceProviderError, match="HTTP 401"):
        provider.fetch([BTC], T0, T0)
    assert sleeps == []


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("<html>rate limited</html>", "invalid JSON"),
        ("[1, 2]", "not an object"),
        ('{"bitcoin": {"eur": 1}}', "no usable price"),
        ('{"bitcoin": {"usd": "97000"}}', "no usable price"),
        ('{"bitcoin": {"usd": -5}}', "no usable price"),
        ('{"bitcoin": 97000}', "no usable price"),
    ],
)
def test_live_rejects_malformed_response(body: str, message: str) -> None:
    provider = live_provider(httpx.MockTransport(lambda _r: httpx.Response(200, text=body)), [])

    with pytest.raises(PriceProviderError, match=message):
        provider.fetch([BTC], T0, T0)


def test_live_skips_asset_missing_from_response() -> None:
    body = {"bitcoin": {"usd": 97000, "last_updated_at": "soon"}}
    provider = live_provider(httpx.MockTransport(lambda _r: httpx.Response(200, json=body)), [])

    points = provider.fetch([BTC, ETH, AssetFeedInfo("NEW1", CENT)], T0, T0)

    assert [point.asset_id for point in points] == ["BTC"]
    assert points[0].as_of == T0
    provider.close()


def test_live_without_ids_makes_no_request() -> None:
    def fail(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    provider = live_provider(httpx.MockTransport(fail), [])

    assert provider.fetch([AssetFeedInfo("NEW1", CENT)], T0, T0) == []


def test_build_provider_follows_settings() -> None:
    transport = httpx.MockTransport(lambda _r: httpx.Response(200, json={}))
    live = InventoryServiceSettings(
        price_provider=PriceProviderName.LIVE, live_provider_url="https://prices.example.test"
    )

    assert build_provider(InventoryServiceSettings()).name == "replay"
    assert build_provider(InventoryServiceSettings(price_provider="simulated")).name == "simulated"
    assert build_provider(live, transport).name == "coingecko"


def test_settings_reject_live_without_url() -> None:
    with pytest.raises(ValidationError, match="LIVE_PROVIDER_URL is required"):
        InventoryServiceSettings(price_provider=PriceProviderName.LIVE)


def test_settings_reject_lease_shorter_than_interval() -> None:
    with pytest.raises(ValidationError, match="LEASE_DURATION_S must be greater"):
        InventoryServiceSettings(price_update_interval_s=10, lease_duration_s=10)
