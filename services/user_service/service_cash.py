"""Cash: the balance, deposits and withdrawals, and the ledger.

A deposit or withdrawal is one transaction, in this order: the idempotency record, the
balance update with its condition, the daily counter update with the limit as its
condition, the ledger entry and the audit event. A failed condition cancels all of it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

import structlog
from pynamodb.exceptions import CancellationReason, DoesNotExist

from common.dynamodb.attributes import sortable_time, utc_now
from common.entities.cash import CashBalance, CashTransaction, CashTransactionType, user_partition
from common.entities.users import CashTransactionsByType, DailyCashCounter, UsersIdempotencyRecord
from common.errors import (
    DailyLimitExceededError,
    InsufficientFundsError,
    InvalidCursorError,
    NotFoundError,
)
from common.idempotency import IdempotentRequest, request_fingerprint
from common.money import format_usd
from common.pagination import RawKey, decode_key, encode_key
from common.transactions import TransactionBuilder
from user_service.context import UserContext
from user_service.policy import check_max_amount
from user_service.schemas import CashTransactionPage, CashTransactionPublic

log = structlog.get_logger(__name__)

_LEDGER_SORT_KEY = re.compile(r"TXN#\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z#[0-9a-f]{32}")
_TYPE_SORT_KEY = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z#[0-9a-f]{32}")


def get_balance(username: str) -> CashBalance:
    try:
        return CashBalance.get(*CashBalance.key_for(username), consistent_read=True)
    except DoesNotExist:
        raise NotFoundError("This account has no cash balance.") from None


def deposit(
    ctx: UserContext, username: str, amount: Decimal, idempotency_key: str | None
) -> dict[str, Any]:
    check_max_amount(amount, ctx.settings.max_deposit_amount)
    return _move_cash(
        ctx, username, CashTransactionType.DEPOSIT, amount, ctx.settings.daily_deposit_limit,
        idempotency_key,
    )  # fmt: skip


def withdraw(
    ctx: UserContext, username: str, amount: Decimal, idempotency_key: str | None
) -> dict[str, Any]:
    check_max_amount(amount, ctx.settings.max_withdrawal_amount)
    return _move_cash(
        ctx, username, CashTransactionType.WITHDRAWAL, amount,
        ctx.settings.daily_withdrawal_limit, idempotency_key,
    )  # fmt: skip


def _move_cash(
    ctx: UserContext,
    username: str,
    kind: CashTransactionType,
    amount: Decimal,
    daily_limit: Decimal,
    idempotency_key: str | None,
) -> dict[str, Any]:
    """Commit one deposit or withdrawal; return the response body (201) that a replay repeats."""
    request = _idempotent_request(ctx, username, kind, amount, idempotency_key)
    if request is not None:
        request.replay_if_recorded()
    signed = amount if kind is CashTransactionType.DEPOSIT else -amount
    entry = CashTransaction.new(username=username, type=kind, amount=signed)
    body = public_entry(entry).model_dump(mode="json")
    builder = TransactionBuilder()
    if request is not None:
        request.add_record(builder, 201, body)
    _add_balance_update(builder, username, kind, amount)
    _add_daily_counter(builder, username, kind, amount, daily_limit)
    builder.put(entry, label="CashTransaction")
    event = ctx.audit.add_to(
        builder,
        f"balance.{kind.value}",
        actor=username,
        subject=username,
        details={"transaction_id": entry.transaction_id, "amount": format_usd(amount)},
    )
    ctx.transactions.execute(builder)
    ctx.audit.emit(event)
    return body


def _idempotent_request(
    ctx: UserContext,
    username: str,
    kind: CashTransactionType,
    amount: Decimal,
    key: str | None,
) -> IdempotentRequest | None:
    if key is None:
        return None
    return IdempotentRequest(
        UsersIdempotencyRecord,
        scope=kind.value,
        username=username,
        key=key,
        fingerprint=request_fingerprint(kind.value, {"amount": amount}),
        retention=timedelta(hours=ctx.settings.idempotency_retention_hours),
    )


def _add_balance_update(
    builder: TransactionBuilder, username: str, kind: CashTransactionType, amount: Decimal
) -> None:
    now = sortable_time(utc_now())
    if kind is CashTransactionType.DEPOSIT:
        builder.update(
            CashBalance.for_user(username),
            [CashBalance.amount.add(amount), CashBalance.updated_at.set(now)],
            condition=CashBalance.pk.exists(),
            on_condition_failed=lambda _reason: NotFoundError("This account has no cash balance."),
        )
        return

    def insufficient(reason: CancellationReason) -> Exception:
        available = _raw_amount(reason)
        held = f"Cash balance {format_usd(available)} USD" if available is not None else "Cash"
        return InsufficientFundsError(
            f"{held} is below the withdrawal of {format_usd(amount)} USD."
        )

    builder.update(
        CashBalance.for_user(username),
        [CashBalance.amount.add(-amount), CashBalance.updated_at.set(now)],
        condition=CashBalance.amount >= amount,
        on_condition_failed=insufficient,
    )


def _raw_amount(reason: CancellationReason) -> Decimal | None:
    raw = (reason.raw_item or {}).get("amount")
    return Decimal(raw["N"]) if raw else None


def _add_daily_counter(
    builder: TransactionBuilder,
    username: str,
    kind: CashTransactionType,
    amount: Decimal,
    limit: Decimal,
) -> None:
    """Add `amount` to today's counter under the condition that the total stays within `limit`."""
    what = "deposits" if kind is CashTransactionType.DEPOSIT else "withdrawals"
    exceeded = DailyLimitExceededError(
        f"This {kind.value} of {format_usd(amount)} USD would take today's {what} past the "
        f"daily limit of {format_usd(limit)} USD (days are UTC)."
    )
    if amount > limit:
        raise exceeded
    today = utc_now().date()
    counter = DailyCashCounter.for_day(username, kind.value, today)
    builder.update(
        counter,
        [
            DailyCashCounter.total.add(amount),
            DailyCashCounter.expires_at.set(DailyCashCounter.expiry_for(today)),
        ],
        condition=DailyCashCounter.total.does_not_exist()
        | (DailyCashCounter.total <= limit - amount),
        on_condition_failed=lambda _reason: exceeded,
    )


def public_entry(entry: CashTransaction) -> CashTransactionPublic:
    return CashTransactionPublic(
        transaction_id=entry.transaction_id,
        type=CashTransactionType(entry.type),
        amount=entry.amount,
        currency=entry.currency,
        fee=entry.fee,
        reference_id=entry.reference_id,
        description=entry.description,
        created_at=entry.created_at,
    )


def list_transactions(
    username: str, kind: CashTransactionType | None, limit: int, next_token: str | None
) -> CashTransactionPage:
    """Return one page of the user's ledger, newest first, optionally of one type only."""
    if kind is None:
        entries, last_key = _query_ledger(username, limit, next_token)
    else:
        entries, last_key = _query_ledger_by_type(username, kind, limit, next_token)
    return CashTransactionPage(
        items=[public_entry(entry) for entry in entries], next_token=encode_key(last_key)
    )


def _query_ledger(
    username: str, limit: int, next_token: str | None
) -> tuple[Sequence[CashTransaction], RawKey | None]:
    partition = user_partition(username)
    start = None
    if next_token is not None:
        start = decode_key(next_token, fixed={"pk": partition}, patterns={"sk": _LEDGER_SORT_KEY})
    results = CashTransaction.query(
        partition,
        CashTransaction.sk.startswith("TXN#"),
        scan_index_forward=False,
        limit=limit,
        last_evaluated_key=start,
    )
    return list(results), results.last_evaluated_key


def _query_ledger_by_type(
    username: str, kind: CashTransactionType, limit: int, next_token: str | None
) -> tuple[Sequence[CashTransactionsByType], RawKey | None]:
    partition = user_partition(username)
    type_partition = f"{partition}#TXN#{kind.value}"
    start = None
    if next_token is not None:
        start = decode_key(
            next_token,
            fixed={"pk": partition, "gsi1pk": type_partition},
            patterns={"sk": _LEDGER_SORT_KEY, "gsi1sk": _TYPE_SORT_KEY},
        )
        if start["sk"]["S"] != f"TXN#{start['gsi1sk']['S']}":
            raise InvalidCursorError("The next_token is not one this list returned.")
    results = CashTransactionsByType.by_type.query(
        type_partition, scan_index_forward=False, limit=limit, last_evaluated_key=start
    )
    return list(results), results.last_evaluated_key
