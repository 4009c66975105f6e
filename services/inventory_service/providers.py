"""Price providers: replayed hourly bars, a seeded random walk, and a live HTTP API.

A provider turns the catalog (with each asset's tick and last stored price) and the current
wall-clock time into new prices. It does not write anything; the feed stores what it returns.
"""

from __future__ import annotations

import bisect
import json
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

import httpx
import structlog

from inventory_service.market_data import (
    BAR_LENGTH,
    Bar,
    MarketDataError,
    has_bars,
    load_bars,
    round_to_tick,
)
from inventory_service.settings import InventoryServiceSettings, PriceProviderName

log = structlog.get_logger(__name__)

SECONDS_PER_YEAR = 365 * 24 * 3600


class PriceProviderError(Exception):
    """The provider returned no usable prices for this update."""


@dataclass(frozen=True)
class AssetFeedInfo:
    """The fields of one catalog asset that a provider uses."""

    asset_id: str
    price_tick: Decimal
    live_price_id: str | None = None
    last_price: Decimal | None = None  # the stored current price, if any


@dataclass(frozen=True)
class PricePoint:
    asset_id: str
    price: Decimal  # USD, a multiple of the asset's tick
    as_of: datetime  # market time of the price


class PriceProvider(Protocol):
    name: str

    def fetch(
        self, assets: Sequence[AssetFeedInfo], now: datetime, clock_started_at: datetime
    ) -> list[PricePoint]:
        """Return new prices for those `assets` the provider covers."""
        ...


def price_in_bar(bar: Bar, fraction: Decimal, tick: Decimal) -> Decimal:
    """Return the price at `fraction` (0 to 1) of the hour, on a path through the bar's extremes.

    A rising bar (close >= open) goes open, low, high, close; a falling one open, high, low,
    close, so each path visits both extremes once. Every point lies on a segment between two
    of the bar's prices, so it never leaves [low, high].
    """
    if bar.close >= bar.open:
        path = (bar.open, bar.low, bar.high, bar.close)
    else:
        path = (bar.open, bar.high, bar.low, bar.close)
    position = min(max(fraction, Decimal(0)), Decimal(1)) * 3
    segment = min(int(position), 2)
    start, end = path[segment], path[segment + 1]
    return round_to_tick(start + (end - start) * (position - segment), tick)


class ReplayProvider:
    """Replay the shipped hourly bars at `speed` market seconds per wall second, looping.

    The market time is `start + (now - clock_started_at) * speed`, wrapped around the data's
    span, so every writer that shares `clock_started_at` (stored on the writer lease) computes
    the same price for the same moment.
    """

    name = PriceProviderName.REPLAY.value

    def __init__(self, *, speed: float, start: datetime | None = None) -> None:
        self.speed = speed
        self.start = start
        self._starts: dict[tuple[str, Decimal], list[datetime]] = {}

    def market_time(
        self, bars: Sequence[Bar], now: datetime, clock_started_at: datetime
    ) -> datetime:
        first = bars[0].start
        span = (bars[-1].start + BAR_LENGTH - first).total_seconds()
        start_offset = ((self.start or first) - first).total_seconds()
        elapsed = (now - clock_started_at).total_seconds() * self.speed
        return first + timedelta(seconds=(start_offset + elapsed) % span)

    def price_at(self, asset: AssetFeedInfo, moment: datetime) -> PricePoint:
        """Return the replayed price of `asset` at market time `moment` inside the data's span."""
        bars = load_bars(asset.asset_id, asset.price_tick)
        starts = self._bar_starts(asset, bars)
        index = max(bisect.bisect_right(starts, moment) - 1, 0)
        bar = bars[index]
        into_bar = moment - bar.start
        if into_bar >= BAR_LENGTH:
            # A missing bar in the data: hold the previous close until the next bar starts.
            return PricePoint(asset.asset_id, bar.close, moment)
        fraction = Decimal(into_bar // timedelta(microseconds=1)) / Decimal(3_600_000_000)
        return PricePoint(asset.asset_id, price_in_bar(bar, fraction, asset.price_tick), moment)

    def fetch(
        self, assets: Sequence[AssetFeedInfo], now: datetime, clock_started_at: datetime
    ) -> list[PricePoint]:
        points = []
        for asset in assets:
            if not has_bars(asset.asset_id):
                continue
            bars = load_bars(asset.asset_id, asset.price_tick)
            points.append(self.price_at(asset, self.market_time(bars, now, clock_started_at)))
        return points

    def _bar_starts(self, asset: AssetFeedInfo, bars: Sequence[Bar]) -> list[datetime]:
        key = (asset.asset_id, asset.price_tick)
        if key not in self._starts:
            self._starts[key] = [bar.start for bar in bars]
        return self._starts[key]


def first_open(asset: AssetFeedInfo) -> Decimal | None:
    """Return the open of the first shipped bar of `asset`, or None if it has no data."""
    try:
        return load_bars(asset.asset_id, asset.price_tick)[0].open
    except MarketDataError:
        return None


class SimulatedProvider:
    """Geometric Brownian motion without drift, deterministic for a given seed.

    Each update draws one normal variate per asset in asset-id order, so the same seed, the
    same assets and the same update times give the same prices. A walk starts from the
    asset's stored price, else from its first shipped bar; an asset with neither is skipped.
    """

    name = PriceProviderName.SIMULATED.value

    def __init__(self, *, seed: int, volatility: float, time_scale: float) -> None:
        self.volatility = volatility
        self.time_scale = time_scale
        self._random = random.Random(seed)  # noqa: S311 - a reproducible simulation, not security
        self._last_prices: dict[str, Decimal] = {}
        self._last_time: datetime | None = None

    def fetch(
        self, assets: Sequence[AssetFeedInfo], now: datetime, clock_started_at: datetime
    ) -> list[PricePoint]:
        elapsed = 0.0 if self._last_time is None else (now - self._last_time).total_seconds()
        self._last_time = now
        years = max(elapsed, 0.0) * self.time_scale / SECONDS_PER_YEAR
        points = []
        for asset in sorted(assets, key=lambda item: item.asset_id):
            previous = (
                self._last_prices.get(asset.asset_id) or asset.last_price or first_open(asset)
            )
            if previous is None:
                continue
            price = round_to_tick(previous * self._step_factor(years), asset.price_tick)
            price = max(price, asset.price_tick)
            self._last_prices[asset.asset_id] = price
            points.append(PricePoint(asset.asset_id, price, now))
        return points

    def _step_factor(self, years: float) -> Decimal:
        # The random factor is computed in float and converted once through its shortest
        # text form. The price itself stays Decimal and is rounded to the tick.
        shock = self._random.gauss(0.0, 1.0)
        sigma = self.volatility
        exponent = -0.5 * sigma * sigma * years + sigma * math.sqrt(years) * shock
        return Decimal(repr(math.exp(exponent)))


class LiveProvider:
    """Current USD prices from a CoinGecko-compatible `GET /simple/price` endpoint.

    Timeouts, transport errors, 429 and 5xx responses are retried with exponential backoff up
    to `max_attempts`. Other responses and malformed bodies fail at once. A failed update
    raises PriceProviderError, and the feed logs it and keeps the previous prices.
    """

    name = "coingecko"

    def __init__(
        self,
        *,
        base_url: str,
        timeout_s: float,
        max_attempts: int,
        transport: httpx.BaseTransport | None = None,
        backoff_s: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = base_url.rstrip("/") + "/simple/price"
        self.max_attempts = max_attempts
        self.backoff_s = backoff_s
        self._sleep = sleep
        self._client = httpx.Client(
            timeout=timeout_s, transport=transport, headers={"Accept": "application/json"}
        )

    def close(self) -> None:
        self._client.close()

    def fetch(
        self, assets: Sequence[AssetFeedInfo], now: datetime, clock_started_at: datetime
    ) -> list[PricePoint]:
        by_live_id = {asset.live_price_id: asset for asset in assets if asset.live_price_id}
        if not by_live_id:
            return []
        params = {
            "ids": ",".join(sorted(by_live_id)),
            "vs_currencies": "usd",
            "include_last_updated_at": "true",
        }
        body = self._get_with_retries(params)
        return self._parse(body, by_live_id, now)

    def _get_with_retries(self, params: dict[str, str]) -> Any:
        for attempt in range(1, self.max_attempts + 1):
            try:
                response = self._client.get(self.url, params=params)
            except httpx.TransportError as error:
                failure = f"{type(error).__name__}: {error}"
            else:
                if response.status_code == 200:
                    return self._decode(response)
                failure = f"HTTP {response.status_code}"
                if response.status_code != 429 and response.status_code < 500:
                    raise PriceProviderError(f"{self.url} failed with {failure}")
            if attempt == self.max_attempts:
                raise PriceProviderError(f"{self.url} failed {attempt} times, last: {failure}")
            delay = self.backoff_s * 2 ** (attempt - 1)
            log.warning(
                "price_provider.retry",
                provider=self.name,
                url=self.url,
                attempt=attempt,
                error=failure,
                delay_s=delay,
            )
            self._sleep(delay)
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _decode(self, response: httpx.Response) -> Any:
        try:
            return json.loads(response.text, parse_float=Decimal, parse_int=Decimal)
        except ValueError as error:
            raise PriceProviderError(f"{self.url} returned invalid JSON: {error}") from error

    def _parse(
        self, body: Any, by_live_id: dict[str, AssetFeedInfo], now: datetime
    ) -> list[PricePoint]:
        if not isinstance(body, dict):
            raise PriceProviderError(f"{self.url} returned {type(body).__name__}, not an object")
        points = []
        for live_id, asset in sorted(by_live_id.items()):
            entry = body.get(live_id)
            if not isinstance(entry, dict):
                entry = {}
            price = entry.get("usd")
            if not isinstance(price, Decimal) or not price.is_finite() or price <= 0:
                log.warning(
                    "price_provider.asset_skipped",
                    provider=self.name,
                    asset_id=asset.asset_id,
                    live_price_id=live_id,
                    reason="missing or invalid usd price",
                )
                continue
            points.append(
                PricePoint(
                    asset.asset_id,
                    max(round_to_tick(price, asset.price_tick), asset.price_tick),
                    _market_time(entry.get("last_updated_at"), now),
                )
            )
        if not points:
            raise PriceProviderError(f"{self.url} returned no usable price")
        return points


def _market_time(epoch: Any, fallback: datetime) -> datetime:
    if isinstance(epoch, Decimal) and epoch.is_finite() and epoch > 0:
        try:
            return datetime.fromtimestamp(int(epoch), tz=UTC)
        except (OverflowError, OSError, ValueError):
            return fallback
    return fallback


def build_provider(
    settings: InventoryServiceSettings, transport: httpx.BaseTransport | None = None
) -> PriceProvider:
    """Return the provider that `settings.price_provider` selects."""
    if settings.price_provider is PriceProviderName.SIMULATED:
        return SimulatedProvider(
            seed=settings.simulated_seed,
            volatility=settings.simulated_volatility,
            time_scale=settings.simulated_time_scale,
        )
    if settings.price_provider is PriceProviderName.LIVE:
        assert settings.live_provider_url is not None  # enforced by the settings validator
        return LiveProvider(
            base_url=settings.live_provider_url,
            timeout_s=settings.live_timeout_s,
            max_attempts=settings.live_max_attempts,
            transport=transport,
        )
    return ReplayProvider(speed=settings.replay_speed, start=settings.replay_start)
