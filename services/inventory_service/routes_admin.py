"""Admin catalog routes (role admin): create an asset, update it, change its status."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from common.api.app import API_PREFIX
from common.api.exact_json import ExactJSONRoute
from common.errors import (
    BEARER_ERRORS,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    ValidationFailedError,
    problem_responses,
)
from common.security.auth import AdminClaims
from common.transactions import TransactionConditionFailedError
from inventory_service import service_admin
from inventory_service.dependencies import Audit, Transactions
from inventory_service.schemas import AssetCreate, AssetPublic, AssetStatusChange, AssetUpdate

router = APIRouter(
    prefix=f"{API_PREFIX}/inventory", route_class=ExactJSONRoute, tags=["inventory admin"]
)

AssetIdPath = Annotated[str, Path(min_length=1, max_length=64)]
_AUTH_ERRORS = (*BEARER_ERRORS, ForbiddenError, ValidationFailedError)


@router.post(
    "/assets",
    status_code=201,
    response_model=AssetPublic,
    responses=problem_responses(*_AUTH_ERRORS, ConflictError),
)
def create_asset(
    data: AssetCreate, claims: AdminClaims, transactions: Transactions, audit: Audit
) -> AssetPublic:
    """Add an asset to the catalog."""
    return service_admin.create_asset(data, claims.username, transactions, audit)


@router.patch(
    "/assets/{asset_id}",
    response_model=AssetPublic,
    responses=problem_responses(*_AUTH_ERRORS, NotFoundError, TransactionConditionFailedError),
)
def update_asset(
    asset_id: AssetIdPath,
    data: AssetUpdate,
    claims: AdminClaims,
    transactions: Transactions,
    audit: Audit,
) -> AssetPublic:
    """Change an asset's name, category, step, tick, minimum notional or live id."""
    return service_admin.update_asset(asset_id, data, claims.username, transactions, audit)


@router.put(
    "/assets/{asset_id}/status",
    response_model=AssetPublic,
    responses=problem_responses(*_AUTH_ERRORS, NotFoundError, TransactionConditionFailedError),
)
def change_status(
    asset_id: AssetIdPath,
    change: AssetStatusChange,
    claims: AdminClaims,
    transactions: Transactions,
    audit: Audit,
) -> AssetPublic:
    """Set the trading status: trading, cancel_only or halted."""
    return service_admin.change_status(asset_id, change, claims.username, transactions, audit)
