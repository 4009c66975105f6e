"""Price history: stored ticks, the 24 h reference price and candles for charts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from common.dynamodb.attributes import epoch_seconds, new_id, parse_sortable_time, sortable_time
from common.entities.catalog import PriceTick, asset_partition

CHANGE_WINDOW = timedelta(hours=24)


class CandleInterval(StrEnum):
    ONE_MINUTE = "1m"
    FIVE_MINUTES = "5m"
    FIFTEEN_MINUTES = "15m"
    ONE_HOUR = "1h"
    FOUR_HOURS = "4h"
    ONE_DAY = "1d"

    @property
    def length(self) -> timedelta:
        return _INTERVAL_LENGTHS[self]


_INTERVAL_LENGTHS = {
    CandleInterval.ONE_MINUTE: timedelta(minutes=1),
    CandleInterval.FIVE_MINUTES: timedelta(minutes=5),
    CandleInterval.FIFTEEN_MINUTES: timedelta(minutes=15),
    CandleInterval.ONE_HOUR: timedelta(hours=1),
    CandleInterval.FOUR_HOURS: timedelta(hours=4),
    CandleInterval.ONE_DAY: timedelta(days=1),
}


@dataclass
class Candle:
    start: datetime
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    ticks: int


def new_tick(
    *,
    asset_id: str,
    price: Decimal,
    as_of: datetime,
    source: str,
    writer_id: str,
    stored_at: datetime,
    retention: timedelta,
) -> PriceTick:
    stored_text = sortable_time(stored_at)
    return PriceTick(
        asset_partition(asset_id),
        f"{PriceTick.SORT_PREFIX}{stored_text}#{new_id()}",
        asset_id=asset_id,
        price=price,
        as_of=sortable_time(as_of),
        source=source,
        writer_id=writer_id,
        stored_at=stored_text,
        expires_at=epoch_seconds(stored_at + retention),
    )


def _time_bound(moment: datetime, *, after_ticks_at_moment: bool = False) -> str:
    # "TICK#<time>" sorts before every tick stored at that exact time ("TICK#<time>#<hex id>")
    # and "TICK#<time>#~" after them, because "~" sorts after every hex digit.
    suffix = "#~" if after_ticks_at_moment else ""
    return f"{PriceTick.SORT_PREFIX}{sortable_time(moment)}{suffix}"


def reference_tick(asset_id: str, now: datetime) -> PriceTick | None:
    """Return the latest tick at least 24 h old, else the oldest tick, else None."""
    partition = asset_partition(asset_id)
    older = PriceTick.query(
        partition,
        PriceTick.sk.between(
            PriceTick.SORT_PREFIX, _time_bound(now - CHANGE_WINDOW, after_ticks_at_moment=True)
        ),
        scan_index_forward=False,
        limit=1,
    )
    for tick in older:
        return tick
    for tick in PriceTick.query(partition, PriceTick.sk.startswith(PriceTick.SORT_PREFIX), limit=1):
        return tick
    return None


def ticks_between(asset_id: str, start: datetime, end: datetime) -> Iterable[PriceTick]:
    """Yield the ticks stored in [start, end), oldest first (Query, paged by PynamoDB)."""
    return PriceTick.query(
        asset_partition(asset_id), PriceTick.sk.between(_time_bound(start), _time_bound(end))
    )


def bucket_start(moment: datetime, interval: CandleInterval) -> datetime:
    """Return the start of the interval containing `moment`, aligned to the Unix epoch."""
    length = int(interval.length.total_seconds())
    seconds = int(moment.timestamp()) // length * length
    return datetime.fromtimestamp(seconds, tz=UTC)


def build_candles(ticks: Iterable[PriceTick], interval: CandleInterval) -> list[Candle]:
    """Aggregate ticks (oldest first) into OHLC candles; an interval without ticks has none."""
    candles: list[Candle] = []
    for tick in ticks:
        start = bucket_start(parse_sortable_time(tick.stored_at), interval)
        if candles and candles[-1].start == start:
            candle = candles[-1]
            candle.high = max(candle.high, tick.price)
            candle.low = min(candle.low, tick.price)
            candle.close = tick.price
            candle.ticks += 1
        else:
            candles.append(Candle(start, tick.price, tick.price, tick.price, tick.price, 1))
    return candles
