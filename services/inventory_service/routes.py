"""Public catalog routes: list assets, get one, and its price history as candles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import AwareDatetime

from common.api.app import API_PREFIX
from common.api.exact_json import ExactJSONRoute
from common.entities.catalog import AssetStatus
from common.errors import (
    BadRequestError,
    InvalidCursorError,
    NotFoundError,
    ValidationFailedError,
    problem_responses,
)
from inventory_service import service
from inventory_service.dependencies import ServiceSettings
from inventory_service.history import CandleInterval
from inventory_service.schemas import (
    CATEGORY_PATTERN,
    AssetPage,
    AssetPublic,
    AssetSort,
    CandleHistory,
    SortOrder,
)

router = APIRouter(prefix=f"{API_PREFIX}/inventory", route_class=ExactJSONRoute, tags=["inventory"])

AssetIdPath = Annotated[
    str, Path(min_length=1, max_length=64, description="Asset id in any letter case, e.g. btc.")
]


@router.get(
    "/assets",
    response_model=AssetPage,
    responses=problem_responses(InvalidCursorError, ValidationFailedError),
)
def list_assets(
    status: AssetStatus | None = None,
    category: Annotated[str | None, Query(pattern=CATEGORY_PATTERN)] = None,
    sort: AssetSort = AssetSort.ASSET_ID,
    order: SortOrder = SortOrder.ASC,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    next_token: Annotated[str | None, Query(min_length=1, max_length=1024)] = None,
) -> AssetPage:
    """List catalog assets with current price and 24 h change, filtered and sorted."""
    query = service.AssetListQuery(
        status=status,
        category=category,
        sort=sort,
        order=order,
        limit=limit,
        next_token=next_token,
    )
    return service.list_assets(query)


@router.get(
    "/assets/{asset_id}", response_model=AssetPublic, responses=problem_responses(NotFoundError)
)
def get_asset(asset_id: AssetIdPath) -> AssetPublic:
    """Return one asset with its current price."""
    return service.get_asset_public(asset_id)


@router.get(
    "/assets/{asset_id}/candles",
    response_model=CandleHistory,
    response_model_by_alias=True,
    responses=problem_responses(BadRequestError, NotFoundError, ValidationFailedError),
)
def get_candles(
    asset_id: AssetIdPath,
    settings: ServiceSettings,
    start: Annotated[
        AwareDatetime | None,
        Query(
            alias="from", description="Start (inclusive), ISO 8601 with offset; default to - 24 h."
        ),
    ] = None,
    end: Annotated[
        AwareDatetime | None,
        Query(alias="to", description="End (exclusive), ISO 8601 with offset; default now."),
    ] = None,
    interval: CandleInterval = CandleInterval.FIVE_MINUTES,
) -> CandleHistory:
    """Return OHLC candles of the stored prices; intervals without prices have no candle."""
    return service.candle_history(asset_id, interval, start, end, settings.max_candles)
