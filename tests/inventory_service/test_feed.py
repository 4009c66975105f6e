"""Price feed on DynamoDB Local: the single-writer lease, stored prices and staleness."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from structlog.testing import capture_logs

from common.dynamodb.attributes import utc_now
from common.entities.catalog import AssetPrice, PriceTick, asset_partition
from common.errors import PriceUnavailableError
from common.prices import get_fresh_quote
from common.settings import CommonSettings
from inventory_service.feed import PriceFeed, TickResult
from inventory_service.lease import WriterLease
from inventory_service.providers import (
    AssetFeedInfo,
    PricePoint,
    PriceProviderError,
    ReplayProvider,
)
from inventory_service.seed import seed_catalog
from tests.inventory_service.conftest import T0, FakeClock, feed_settings

MakeFeed = Callable[..., PriceFeed]


def ticks_of(asset_id: str) -> list[PriceTick]:
    return list(PriceTick.query(asset_partition(asset_id), PriceTick.sk.startswith("TICK#")))


def test_tick_stores_price_and_tick(make_feed: MakeFeed) -> None:
    seed_catalog(feed_settings(), now=T0)
    feed = make_feed(FakeClock())

    result = feed.tick_once()

    assert result.leader is True
    assert result.written == 12
    price = AssetPrice.get(*AssetPrice.key_for("BTC"))
    assert price.source == "replay"
    assert price.writer_id == feed.writer_id
    assert len(ticks_of("BTC")) == 1


def test_tick_sets_24h_reference(make_feed: MakeFeed) -> None:
    seed_catalog(feed_settings(), now=T0)
    clock = FakeClock()
    feed = make_feed(clock)
    feed.tick_once()
    first_tick = ticks_of("ETH")[0]

    clock.advance(3600)
    feed.tick_once()
    clock.advance(24 * 3600)
    feed.tick_once()

    price = AssetPrice.get(*AssetPrice.key_for("ETH"))
    # Under 24 h of history the oldest tick is the reference; later the one 24 h back.
    assert price.reference_at == ticks_of("ETH")[1].stored_at
    assert first_tick.stored_at < price.reference_at


def test_lease_blocks_second_writer(fresh_tables: CommonSettings) -> None:
    first = WriterLease(timedelta(seconds=15), writer_id="writer-a")
    second = WriterLease(timedelta(seconds=15), writer_id="writer-b")

    assert first.acquire(T0) is not None
    assert second.acquire(T0 + timedelta(seconds=14)) is None
    assert first.acquire(T0 + timedelta(seconds=14)) is not None
    assert second.acquire(T0 + timedelta(seconds=28)) is None
    taken = second.acquire(T0 + timedelta(seconds=30))
    assert taken is not None
    assert taken.holder == "writer-b"
    # The replay clock survives the change of holder.
    assert taken.clock_started_at == T0
    assert first.acquire(T0 + timedelta(seconds=31)) is None


def test_released_lease_is_free_at_once(fresh_tables: CommonSettings) -> None:
    first = WriterLease(timedelta(seconds=15), writer_id="writer-a")
    second = WriterLease(timedelta(seconds=15), writer_id="writer-b")
    first.acquire(T0)

    first.release(T0 + timedelta(seconds=1))

    assert second.acquire(T0 + timedelta(seconds=2)) is not None
    assert first.held is False


class PausingProvider:
    """Replays like the real provider, but lets another writer act during the fetch."""

    name = "replay"

    def __init__(self, during_fetch: Callable[[], object]) -> None:
        self.during_fetch = during_fetch
        self.inner = ReplayProvider(speed=60)

    def fetch(
        self, assets: list[AssetFeedInfo], now: datetime, start: datetime
    ) -> list[PricePoint]:
        self.during_fetch()
        return self.inner.fetch(assets, now, start)


def test_stale_writer_is_fenced(make_feed: MakeFeed) -> None:
    # Given writer A took the lease, then paused in its fetch past the lease expiry
    seed_catalog(feed_settings(), now=T0)
    feed_b = make_feed(FakeClock(T0 + timedelta(seconds=60)))
    b_results: list[TickResult] = []
    feed_a = make_feed(
        FakeClock(), provider=PausingProvider(lambda: b_results.append(feed_b.tick_once()))
    )

    # When B takes over during the pause and A then writes
    with capture_logs() as logs:
        result = feed_a.tick_once()

    # Then B's prices are stored and every write of A is rejected by the fence
    assert b_results[0].written == 12
    assert result.written == 0
    assert {tick.writer_id for tick in ticks_of("BTC")} == {feed_b.writer_id}
    assert AssetPrice.get(*AssetPrice.key_for("BTC")).writer_id == feed_b.writer_id
    assert any(entry["event"] == "price_feed.lease_lost" for entry in logs)


def test_two_writers_never_both_update(make_feed: MakeFeed) -> None:
    # Given two replicas whose feeds run concurrently against the same table
    seed_catalog(feed_settings(), now=T0)
    # (with a lease longer than the test, so neither may take over by expiry)
    settings = feed_settings(lease_duration_s=3600)
    feeds = [make_feed(FakeClock(), settings=settings), make_feed(FakeClock(), settings=settings)]
    results: dict[str, list[bool]] = {feed.writer_id: [] for feed in feeds}

    def run(feed: PriceFeed) -> None:
        for _round in range(8):
            results[feed.writer_id].append(feed.tick_once().leader)
            feed.clock.advance(5)  # type: ignore[attr-defined]

    # When both tick repeatedly
    threads = [threading.Thread(target=run, args=(feed,)) for feed in feeds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then exactly one was leader every time, and every stored tick is its own
    leaders = [writer for writer, rounds in results.items() if any(rounds)]
    assert len(leaders) == 1
    assert all(results[leaders[0]])
    writers = {tick.writer_id for asset in ("BTC", "DOGE") for tick in ticks_of(asset)}
    assert writers == {leaders[0]}
    assert len(ticks_of("BTC")) == 8


class FailingProvider:
    name = "failing"

    def fetch(self, *_args: object) -> list[PricePoint]:
        raise PriceProviderError("https://prices.example.test failed with HTTP 500")


def test_provider_failure_is_logged_and_skipped(make_feed: MakeFeed) -> None:
    seed_catalog(feed_settings(), now=T0)
    feed = make_feed(FakeClock(), provider=FailingProvider())

    with capture_logs() as logs:
        result = feed.tick_once()

    assert result.written == 0
    failure = next(entry for entry in logs if entry["event"] == "price_feed.provider_failed")
    assert failure["provider"] == "failing"
    assert "HTTP 500" in failure["error"]
    assert AssetPrice.get(*AssetPrice.key_for("BTC")).source == "seed"


class FixedProvider:
    name = "fixed"

    def fetch(self, assets: list[AssetFeedInfo], now: object, _start: object) -> list[PricePoint]:
        return [PricePoint(asset.asset_id, Decimal("2.50"), T0) for asset in assets]


def test_fresh_price_is_quoted_stale_refused(make_feed: MakeFeed) -> None:
    # Given the feed stored a price 90 s ago (by the real clock the reader uses)
    seed_catalog(feed_settings(), now=T0)
    clock = FakeClock(utc_now() - timedelta(seconds=90))
    make_feed(clock, provider=FixedProvider()).tick_once()

    # Then the reader accepts it under a 120 s limit and refuses it under 60 s
    assert get_fresh_quote("link", timedelta(seconds=120)).price == Decimal("2.50")
    with pytest.raises(PriceUnavailableError, match="older than"):
        get_fresh_quote("LINK", timedelta(seconds=60))


def test_feed_thread_runs_first_update_and_stops(make_feed: MakeFeed) -> None:
    seed_catalog(feed_settings(), now=T0)
    feed = make_feed(FakeClock(), provider=FixedProvider())

    feed.start()
    feed.start()
    feed.stop()
    feed.stop()

    assert AssetPrice.get(*AssetPrice.key_for("SOL")).price == Decimal("2.50")
    assert feed.lease.held is False
