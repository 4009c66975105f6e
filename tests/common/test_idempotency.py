"""Idempotency records on DynamoDB Local: replay, key reuse and concurrent repeats."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from common.dynamodb.models import entity, make_connection
from common.dynamodb.tables import USERS_TABLE
from common.entities.cash import CashBalance, CashTransaction, CashTransactionType
from common.errors import IdempotencyKeyReusedError
from common.idempotency import (
    IdempotencyRecord,
    IdempotentReplay,
    IdempotentRequest,
    request_fingerprint,
)
from common.settings import CommonSettings
from common.transactions import TransactionBuilder, TransactionManager
from tests.conftest import unique_name


@entity(USERS_TABLE)
class SampleIdempotencyRecord(IdempotencyRecord):
    class Meta:
        table_name = USERS_TABLE.base_name


def deposit(
    manager: TransactionManager, username: str, key: str, amount: Decimal
) -> tuple[int, Any]:
    """Deposit like a route would: replay check, one transaction, stored response."""
    request = IdempotentRequest(
        SampleIdempotencyRecord,
        scope="deposit",
        username=username,
        key=key,
        fingerprint=request_fingerprint("deposit", {"amount": amount}),
    )
    try:
        request.replay_if_recorded()
        entry = CashTransaction.new(
            username=username, type=CashTransactionType.DEPOSIT, amount=amount
        )
        body = {"transaction_id": entry.transaction_id, "amount": str(amount)}
        builder = TransactionBuilder()
        request.add_record(builder, 201, body)
        builder.update(CashBalance.for_user(username), [CashBalance.amount.add(amount)])
        builder.put(entry)
        manager.execute(builder)
    except IdempotentReplay as replay:
        return replay.status_code, replay.body
    return 201, body


def open_account(username: str) -> None:
    CashBalance.opening(username).save()


def balance(username: str) -> Decimal:
    return CashBalance.get(*CashBalance.key_for(username)).amount


def ledger_size(username: str) -> int:
    return CashTransaction.count(f"USER#{username}", CashTransaction.sk.startswith("TXN#"))


def test_fingerprint_ignores_trailing_zeros_and_key_order() -> None:
    first = request_fingerprint("deposit", {"amount": Decimal("0.10"), "note": "a"})
    second = request_fingerprint("deposit", {"note": "a", "amount": Decimal("0.1")})
    other = request_fingerprint("withdraw", {"amount": Decimal("0.1"), "note": "a"})

    assert first == second
    assert first != other


def test_sequential_repeat_replays_first_response(tables: CommonSettings) -> None:
    username = unique_name()
    open_account(username)
    manager = TransactionManager(make_connection(tables))

    first = deposit(manager, username, "key-1", Decimal("5.00"))
    second = deposit(manager, username, "key-1", Decimal("5.00"))

    assert first == second
    assert balance(username) == Decimal("5")
    assert ledger_size(username) == 1


def test_same_key_with_other_body_is_conflict(tables: CommonSettings) -> None:
    username = unique_name()
    open_account(username)
    manager = TransactionManager(make_connection(tables))
    deposit(manager, username, "key-2", Decimal("5.00"))

    with pytest.raises(IdempotencyKeyReusedError):
        deposit(manager, username, "key-2", Decimal("6.00"))

    assert balance(username) == Decimal("5")


def test_concurrent_repeats_apply_once(tables: CommonSettings) -> None:
    # Given eight clients that send the same deposit with one key at the same time
    username = unique_name()
    open_account(username)
    manager = TransactionManager(make_connection(tables))

    # When they all run
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(
            pool.map(lambda _: deposit(manager, username, "key-3", Decimal("7.00")), range(8))
        )

    # Then every client sees the first response and the money moved once
    assert len({str(result) for result in results}) == 1
    assert balance(username) == Decimal("7")
    assert ledger_size(username) == 1


def test_expired_record_is_ignored(tables: CommonSettings) -> None:
    username = unique_name()
    open_account(username)
    request = IdempotentRequest(
        SampleIdempotencyRecord,
        scope="deposit",
        username=username,
        key="key-4",
        fingerprint="f",
        retention=timedelta(hours=24),
    )
    builder = TransactionBuilder()
    request.add_record(builder, 201, {"ok": True})
    TransactionManager(make_connection(tables)).execute(builder)
    record = SampleIdempotencyRecord.get(request.partition_key, "IDEMPOTENCY")
    record.update(actions=[SampleIdempotencyRecord.expires_at.set(1)])

    request.replay_if_recorded()
