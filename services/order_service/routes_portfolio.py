"""Routes for holdings: /api/v1/portfolio and /api/v1/assets/*."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from common.api.app import API_PREFIX
from common.api.exact_json import ExactJSONRoute
from common.errors import BEARER_ERRORS, InvalidCursorError, NotFoundError, problem_responses
from common.security.auth import CurrentClaims
from order_service import queries
from order_service.dependencies import DEFAULT_PAGE_SIZE, NextToken, PageLimit
from order_service.schemas import (
    ASSET_ID_PATTERN,
    AssetBalanceList,
    AssetBalancePublic,
    AssetTransactionPage,
    PortfolioPublic,
)

AssetIdPath = Annotated[str, Path(pattern=ASSET_ID_PATTERN, description="Asset symbol")]

portfolio_router = APIRouter(
    prefix=f"{API_PREFIX}/portfolio", tags=["portfolio"], route_class=ExactJSONRoute
)
assets_router = APIRouter(
    prefix=f"{API_PREFIX}/assets", tags=["portfolio"], route_class=ExactJSONRoute
)


@portfolio_router.get(
    "",
    summary="Your cash, positions with P&L and totals",
    responses=problem_responses(*BEARER_ERRORS),
)
def get_portfolio(claims: CurrentClaims) -> PortfolioPublic:
    """Value each position at the asset's stored current price and show when it was set.

    Average cost is cost basis / quantity (fees included), unrealized P&L is market value
    minus cost basis and realized P&L is the sum recorded on each sell.
    """
    return queries.portfolio(claims.username)


@assets_router.get(
    "/balances",
    summary="Your asset balances with cost basis",
    responses=problem_responses(*BEARER_ERRORS),
)
def list_balances(claims: CurrentClaims) -> AssetBalanceList:
    items = [queries.balance_public(item) for item in queries.list_balances(claims.username)]
    return AssetBalanceList(items=items)


@assets_router.get(
    "/{asset_id}/balance",
    summary="Your balance of one asset",
    responses=problem_responses(*BEARER_ERRORS, NotFoundError),
)
def get_balance(claims: CurrentClaims, asset_id: AssetIdPath) -> AssetBalancePublic:
    return queries.get_balance(claims.username, asset_id.upper())


@assets_router.get(
    "/{asset_id}/transactions",
    summary="Your buys and sells of one asset, newest first",
    responses=problem_responses(*BEARER_ERRORS, InvalidCursorError),
)
def list_asset_transactions(
    claims: CurrentClaims,
    asset_id: AssetIdPath,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    next_token: NextToken = None,
) -> AssetTransactionPage:
    return queries.list_asset_transactions(
        claims.username, asset_id.upper(), limit=limit, next_token=next_token
    )
