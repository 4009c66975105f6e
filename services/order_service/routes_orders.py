"""Routes under /api/v1/orders: place market orders and read them back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from common.api.app import API_PREFIX
from common.api.exact_json import ExactJSONRoute
from common.entities.orders import OrderSide, OrderStatus, OrderType
from common.errors import (
    BEARER_ERRORS,
    AssetNotTradingError,
    BelowMinNotionalError,
    DuplicateClientOrderIdError,
    IdempotencyKeyReusedError,
    InsufficientFundsError,
    InsufficientHoldingError,
    InvalidCursorError,
    NotFoundError,
    PriceUnavailableError,
    ServiceUnavailableError,
    UnknownAssetError,
    ValidationFailedError,
    problem_responses,
)
from common.idempotency import IdempotencyKeyHeader
from common.security.auth import CurrentClaims
from common.transactions import TransactionConditionFailedError
from order_service import queries
from order_service.dependencies import DEFAULT_PAGE_SIZE, NextToken, OrderPlacerDep, PageLimit
from order_service.schemas import (
    ASSET_ID_PATTERN,
    CLIENT_ORDER_ID_PATTERN,
    OrderCreate,
    OrderPage,
    OrderPublic,
)
from order_service.service import order_public

router = APIRouter(prefix=f"{API_PREFIX}/orders", tags=["orders"], route_class=ExactJSONRoute)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Place a market order",
    responses=problem_responses(
        *BEARER_ERRORS,
        DuplicateClientOrderIdError,
        ValidationFailedError,
        InsufficientFundsError,
        InsufficientHoldingError,
        UnknownAssetError,
        AssetNotTradingError,
        BelowMinNotionalError,
        IdempotencyKeyReusedError,
        TransactionConditionFailedError,
        PriceUnavailableError,
        ServiceUnavailableError,
    ),
)
def place_order(
    body: OrderCreate,
    claims: CurrentClaims,
    placer: OrderPlacerDep,
    idempotency_key: IdempotencyKeyHeader = None,
) -> OrderPublic:
    """Fill a market order at the current price in one atomic transaction.

    A buy needs cash for quantity x price rounded up to the cent plus the fee; a sell
    receives quantity x price rounded down minus the fee. Errors leave nothing written.
    """
    order = placer.place(claims.username, body, idempotency_key)
    return order_public(order)


@router.get(
    "",
    summary="List your orders, newest first",
    responses=problem_responses(*BEARER_ERRORS, InvalidCursorError),
)
def list_orders(
    claims: CurrentClaims,
    asset_id: Annotated[
        str | None, Query(pattern=ASSET_ID_PATTERN, description="Only this asset.")
    ] = None,
    side: OrderSide | None = None,
    type: Annotated[OrderType | None, Query(description="Only this order type.")] = None,
    status: OrderStatus | None = None,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    next_token: NextToken = None,
) -> OrderPage:
    return queries.list_orders(
        claims.username,
        asset_id=asset_id.upper() if asset_id else None,
        side=side,
        order_type=type,
        status=status,
        limit=limit,
        next_token=next_token,
    )


@router.get(
    "/by-client-id/{client_order_id}",
    summary="Get one of your orders by its client order id",
    responses=problem_responses(*BEARER_ERRORS, NotFoundError),
)
def get_order_by_client_id(
    claims: CurrentClaims,
    client_order_id: Annotated[str, Path(pattern=CLIENT_ORDER_ID_PATTERN)],
) -> OrderPublic:
    return order_public(queries.get_order_by_client_id(claims.username, client_order_id))


@router.get(
    "/{order_id}",
    summary="Get one of your orders",
    responses=problem_responses(*BEARER_ERRORS, NotFoundError),
)
def get_order(
    claims: CurrentClaims,
    order_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")],
) -> OrderPublic:
    return order_public(queries.get_order(claims.username, order_id))
