"""The price feed: one update every interval, written only by the holder of the writer lease.

Every inventory replica runs the feed thread (unless `price_feed_enabled` is false). Each
update first takes or renews the lease, and a replica without it writes nothing. The holder
fetches prices from the provider and stores, per asset, the current price and a tick. Each
chunk of assets is one transaction that also checks the lease, so a replica that lost the
lease in between cannot write.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

import structlog

from common.dynamodb.attributes import sortable_time, utc_now
from common.entities.catalog import AssetPrice
from common.transactions import TransactionBuilder, TransactionManager
from inventory_service.catalog import all_assets, current_prices
from inventory_service.history import new_tick, reference_tick
from inventory_service.lease import LeaseLostError, LeaseState, WriterLease
from inventory_service.providers import (
    AssetFeedInfo,
    PricePoint,
    PriceProvider,
    PriceProviderError,
)
from inventory_service.settings import InventoryServiceSettings

log = structlog.get_logger(__name__)

# Each asset takes two items (current price and tick) and each transaction one lease check,
# within DynamoDB's limit of 100 items per transaction.
ASSETS_PER_TRANSACTION = 49


@dataclass(frozen=True)
class TickResult:
    leader: bool  # whether this replica held the lease for the update
    written: int  # assets whose price was stored


class PriceFeed:
    """Fetch and store prices; `tick_once` is one update, `start` runs it in a thread."""

    def __init__(
        self,
        settings: InventoryServiceSettings,
        provider: PriceProvider,
        transactions: TransactionManager,
        *,
        lease: WriterLease | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.settings = settings
        self.provider = provider
        self.transactions = transactions
        self.lease = lease or WriterLease(settings.lease_duration)
        self.clock = clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def writer_id(self) -> str:
        return self.lease.writer_id

    def tick_once(self) -> TickResult:
        """Run one update: take the lease, fetch prices, store them. Never sleeps."""
        now = self.clock()
        state = self.lease.acquire(now)
        if state is None:
            return TickResult(leader=False, written=0)
        assets = self._feed_assets()
        try:
            points = self.provider.fetch(assets, now, state.clock_started_at)
        except PriceProviderError as error:
            log.error(
                "price_feed.provider_failed",
                provider=self.provider.name,
                error=str(error),
                assets=len(assets),
            )
            return TickResult(leader=True, written=0)
        return TickResult(leader=True, written=self._store(points, now, state))

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="price-feed", daemon=True)
        self._thread.start()
        log.info(
            "price_feed.started",
            provider=self.provider.name,
            writer_id=self.writer_id,
            interval_s=self.settings.price_update_interval_s,
        )

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop the thread after its current update and release the lease if held."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            log.warning("price_feed.stop_timed_out", timeout_s=timeout_s)
        self._thread = None
        try:
            self.lease.release(self.clock())
        except Exception as error:  # a failed release only delays the next writer
            log.warning("price_feed.release_failed", error=str(error))
        log.info("price_feed.stopped", writer_id=self.writer_id)

    def _run(self) -> None:
        # The first update runs at once, even when stop() comes first, so a fresh stack
        # has current prices as soon as it starts.
        while True:
            try:
                self.tick_once()
            except Exception as error:
                # The loop must outlive a database outage; the next update retries.
                log.exception("price_feed.update_failed", error=str(error))
            if self._stop.wait(self.settings.price_update_interval_s):
                return

    def _feed_assets(self) -> list[AssetFeedInfo]:
        assets = all_assets()
        prices = current_prices(asset.asset_id for asset in assets)
        return [
            AssetFeedInfo(
                asset_id=asset.asset_id,
                price_tick=asset.price_tick,
                live_price_id=asset.live_price_id,
                last_price=prices[asset.asset_id].price if asset.asset_id in prices else None,
            )
            for asset in assets
        ]

    def _store(self, points: Sequence[PricePoint], now: datetime, state: LeaseState) -> int:
        written = 0
        for first in range(0, len(points), ASSETS_PER_TRANSACTION):
            chunk = points[first : first + ASSETS_PER_TRANSACTION]
            builder = TransactionBuilder()
            self.lease.add_fence(builder)
            for point in chunk:
                self._add_point(builder, point, now)
            try:
                self.transactions.execute(builder)
            except LeaseLostError:
                log.warning(
                    "price_feed.lease_lost",
                    writer_id=self.writer_id,
                    lease_expires_at=sortable_time(state.expires_at),
                    written=written,
                )
                return written
            written += len(chunk)
        log.debug("price_feed.updated", provider=self.provider.name, written=written)
        return written

    def _add_point(self, builder: TransactionBuilder, point: PricePoint, now: datetime) -> None:
        reference = reference_tick(point.asset_id, now)
        pk, sk = AssetPrice.key_for(point.asset_id)
        stored_at = sortable_time(now)
        builder.put(
            AssetPrice(
                pk,
                sk,
                asset_id=point.asset_id,
                price=point.price,
                as_of=sortable_time(point.as_of),
                source=self.provider.name,
                updated_at=stored_at,
                writer_id=self.writer_id,
                reference_price=reference.price if reference else None,
                reference_at=reference.stored_at if reference else None,
            )
        )
        builder.put(
            new_tick(
                asset_id=point.asset_id,
                price=point.price,
                as_of=point.as_of,
                source=self.provider.name,
                writer_id=self.writer_id,
                stored_at=now,
                retention=self.settings.tick_retention,
            )
        )
