"""Routes under /api/v1/balance: the caller's USD balance, deposits, withdrawals and ledger."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from common.api.app import API_PREFIX
from common.api.exact_json import ExactJSONRoute
from common.entities.cash import CashTransactionType
from common.errors import (
    BEARER_ERRORS,
    DailyLimitExceededError,
    IdempotencyKeyReusedError,
    InsufficientFundsError,
    InvalidCursorError,
    NotFoundError,
    ProblemError,
    ServiceUnavailableError,
    ValidationFailedError,
    problem_responses,
)
from common.idempotency import IdempotencyKeyHeader
from common.security.auth import CurrentClaims
from user_service import service_cash
from user_service.dependencies import Context
from user_service.schemas import (
    BalancePublic,
    CashMovement,
    CashTransactionPage,
    CashTransactionPublic,
)

router = APIRouter(prefix=f"{API_PREFIX}/balance", tags=["balance"], route_class=ExactJSONRoute)


def _movement_responses(*errors: type[ProblemError]) -> dict[int | str, dict[str, Any]]:
    return problem_responses(
        *BEARER_ERRORS,
        IdempotencyKeyReusedError,
        ServiceUnavailableError,
        ValidationFailedError,
        DailyLimitExceededError,
        *errors,
    )


@router.get(
    "",
    summary="The caller's USD cash balance",
    responses=problem_responses(*BEARER_ERRORS, NotFoundError),
)
def read_balance(claims: CurrentClaims) -> BalancePublic:
    balance = service_cash.get_balance(claims.username)
    return BalancePublic(
        username=balance.username,
        currency=balance.currency,
        amount=balance.amount,
        updated_at=balance.updated_at,
    )


@router.post(
    "/deposit",
    status_code=status.HTTP_201_CREATED,
    summary="Deposit USD; repeat with the same Idempotency-Key to retry safely",
    responses=_movement_responses(),
)
def deposit(
    data: CashMovement,
    claims: CurrentClaims,
    ctx: Context,
    idempotency_key: IdempotencyKeyHeader = None,
) -> CashTransactionPublic:
    body = service_cash.deposit(ctx, claims.username, data.amount, idempotency_key)
    return CashTransactionPublic.model_validate(body)


@router.post(
    "/withdraw",
    status_code=status.HTTP_201_CREATED,
    summary="Withdraw USD, at most the balance; repeat with the same Idempotency-Key to retry",
    responses=_movement_responses(InsufficientFundsError),
)
def withdraw(
    data: CashMovement,
    claims: CurrentClaims,
    ctx: Context,
    idempotency_key: IdempotencyKeyHeader = None,
) -> CashTransactionPublic:
    body = service_cash.withdraw(ctx, claims.username, data.amount, idempotency_key)
    return CashTransactionPublic.model_validate(body)


@router.get(
    "/transactions",
    summary="The caller's cash ledger, newest first",
    responses=problem_responses(*BEARER_ERRORS, InvalidCursorError, ValidationFailedError),
)
def list_transactions(
    claims: CurrentClaims,
    type: Annotated[
        CashTransactionType | None, Query(description="Only entries of this type.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Page size.")] = 25,
    next_token: Annotated[
        str | None, Query(max_length=1024, description="The next_token of the previous page.")
    ] = None,
) -> CashTransactionPage:
    return service_cash.list_transactions(claims.username, type, limit, next_token)
