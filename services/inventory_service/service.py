"""Catalog reads for the public API: the asset list, one asset and its candles."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from common.dynamodb.attributes import parse_sortable_time, utc_now
from common.entities.catalog import Asset, AssetPrice, AssetStatus
from common.errors import BadRequestError, InvalidCursorError, NotFoundError
from common.pagination import decode_token, encode_token
from inventory_service.catalog import all_assets, current_prices, get_asset
from inventory_service.history import CandleInterval, build_candles, ticks_between
from inventory_service.schemas import (
    ASSET_ID_PATTERN,
    AssetPage,
    AssetPublic,
    AssetSort,
    CandleHistory,
    CandlePublic,
    SortOrder,
)

CURSOR_VERSION = 1
PERCENT = Decimal("0.01")
DEFAULT_HISTORY = timedelta(hours=24)


@dataclass(frozen=True)
class AssetView:
    asset: Asset
    price: AssetPrice | None

    def change_24h_percent(self) -> Decimal | None:
        price = self.price
        if price is None or price.reference_price is None or price.reference_price <= 0:
            return None
        change = (price.price - price.reference_price) / price.reference_price * 100
        return change.quantize(PERCENT)


@dataclass(frozen=True)
class AssetListQuery:
    status: AssetStatus | None = None
    category: str | None = None
    sort: AssetSort = AssetSort.ASSET_ID
    order: SortOrder = SortOrder.ASC
    limit: int = 25
    next_token: str | None = None

    def signature(self) -> str:
        """Identify the list a cursor belongs to, so it is not reused with other filters."""
        return "|".join((self.status or "", self.category or "", self.sort.value, self.order.value))


def _time(text: str | None) -> datetime | None:
    return parse_sortable_time(text) if text else None


def to_public(view: AssetView) -> AssetPublic:
    asset, price = view.asset, view.price
    return AssetPublic(
        asset_id=asset.asset_id,
        name=asset.name,
        category=asset.category,
        status=AssetStatus(asset.status),
        quantity_step=asset.quantity_step,
        price_tick=asset.price_tick,
        min_notional=asset.min_notional,
        price=price.price if price else None,
        price_as_of=_time(price.as_of) if price else None,
        price_updated_at=_time(price.updated_at) if price else None,
        price_source=price.source if price else None,
        change_24h_percent=view.change_24h_percent(),
        change_24h_since=_time(price.reference_at) if price else None,
        created_at=parse_sortable_time(asset.created_at),
        updated_at=parse_sortable_time(asset.updated_at),
    )


def find_asset(asset_id: str) -> Asset:
    """Return the asset with `asset_id` in any letter case, or raise 404 `not_found`."""
    asset = get_asset(asset_id) if re.fullmatch(ASSET_ID_PATTERN, asset_id) else None
    if asset is None:
        raise NotFoundError(f"No asset {asset_id!r} in the catalog.")
    return asset


def get_asset_public(asset_id: str) -> AssetPublic:
    asset = find_asset(asset_id)
    prices = current_prices([asset.asset_id])
    return to_public(AssetView(asset, prices.get(asset.asset_id)))


def _sort_value(view: AssetView, sort: AssetSort) -> str | Decimal | None:
    if sort is AssetSort.NAME:
        return view.asset.name.casefold()
    if sort is AssetSort.PRICE:
        return view.price.price if view.price else None
    if sort is AssetSort.CHANGE_24H:
        return view.change_24h_percent()
    return view.asset.asset_id


def sort_views(views: list[AssetView], sort: AssetSort, order: SortOrder) -> list[AssetView]:
    """Sort by `sort` then asset id; assets without a value (no price yet) always come last."""
    present = [view for view in views if _sort_value(view, sort) is not None]
    missing = [view for view in views if _sort_value(view, sort) is None]
    present.sort(
        key=lambda view: (_sort_value(view, sort), view.asset.asset_id),
        reverse=order is SortOrder.DESC,
    )
    missing.sort(key=lambda view: view.asset.asset_id)
    return present + missing


def _start_index(query: AssetListQuery, views: list[AssetView]) -> int:
    if query.next_token is None:
        return 0
    cursor = decode_token(query.next_token)
    after, offset = cursor.get("after"), cursor.get("offset")
    if (
        cursor.get("v") != CURSOR_VERSION
        or cursor.get("q") != query.signature()
        or not isinstance(after, str)
        or not re.fullmatch(ASSET_ID_PATTERN, after)
        or not isinstance(offset, int)
        or isinstance(offset, bool)
        or offset < 0
    ):
        raise InvalidCursorError(
            "The next_token does not belong to this list and its filters; "
            "omit it to start from the first page."
        )
    for index, view in enumerate(views):
        if view.asset.asset_id == after:
            return index + 1
    # The asset left this list (for example its status changed): continue by position.
    return min(offset, len(views))


def list_assets(query: AssetListQuery) -> AssetPage:
    """Return one page of the filtered, sorted catalog with current prices.

    NOTE: sorting by price or change uses live values, so an asset whose price moves between
    two page requests may appear twice or not at all. The asset_id and name orders are stable.
    """
    assets = [
        asset
        for asset in all_assets()
        if (query.status is None or asset.status == query.status.value)
        and (query.category is None or asset.category == query.category)
    ]
    prices = current_prices(asset.asset_id for asset in assets)
    views = [AssetView(asset, prices.get(asset.asset_id)) for asset in assets]
    views = sort_views(views, query.sort, query.order)
    start = _start_index(query, views)
    page = views[start : start + query.limit]
    next_token = None
    if start + query.limit < len(views):
        next_token = encode_token(
            {
                "v": CURSOR_VERSION,
                "q": query.signature(),
                "after": page[-1].asset.asset_id,
                "offset": start + len(page),
            }
        )
    return AssetPage(items=[to_public(view) for view in page], next_token=next_token)


def candle_history(
    asset_id: str,
    interval: CandleInterval,
    start: datetime | None,
    end: datetime | None,
    max_candles: int,
) -> CandleHistory:
    """Return the candles of `asset_id` in [start, end).

    Without `start`, the range is the last 24 hours, shortened to the newest `max_candles`
    candles for short intervals, so a request with defaults never exceeds the limit.
    """
    asset = find_asset(asset_id)
    end = end or utc_now()
    start = start or end - min(DEFAULT_HISTORY, interval.length * max_candles)
    if start >= end:
        raise BadRequestError("'from' must be earlier than 'to'.")
    if (end - start) / interval.length > max_candles:
        raise BadRequestError(
            f"The range from 'from' to 'to' contains more than {max_candles} candles of "
            f"{interval.value}; use a shorter range or a longer interval."
        )
    candles = build_candles(ticks_between(asset.asset_id, start, end), interval)
    return CandleHistory(
        asset_id=asset.asset_id,
        interval=interval,
        from_time=start,
        to_time=end,
        candles=[
            CandlePublic(
                start=candle.start,
                open=candle.open,
                high=candle.high,
                low=candle.low,
                close=candle.close,
                ticks=candle.ticks,
            )
            for candle in candles
        ],
    )
