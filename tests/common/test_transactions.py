"""TransactionManager on DynamoDB Local: atomic commits, condition errors, retries."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from unittest import mock

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError
from pynamodb.exceptions import CancellationReason, TransactWriteError, VerboseClientError

from common.dynamodb.models import make_connection
from common.entities.cash import CashBalance, CashTransaction, CashTransactionType
from common.errors import InsufficientFundsError, ServiceUnavailableError
from common.settings import CommonSettings
from common.transactions import (
    TransactionBuilder,
    TransactionConditionFailedError,
    TransactionManager,
)
from tests.conftest import unique_name


def open_account(username: str, amount: str) -> None:
    balance = CashBalance.opening(username)
    balance.amount = Decimal(amount)
    balance.save()


def withdrawal(username: str, amount: Decimal) -> TransactionBuilder:
    builder = TransactionBuilder()
    builder.update(
        CashBalance.for_user(username),
        [CashBalance.amount.add(-amount)],
        condition=CashBalance.amount >= amount,
        on_condition_failed=lambda _reason: InsufficientFundsError("not enough cash"),
    )
    builder.put(
        CashTransaction.new(username=username, type=CashTransactionType.WITHDRAWAL, amount=-amount)
    )
    return builder


def ledger(username: str) -> list[CashTransaction]:
    return list(CashTransaction.query(f"USER#{username}", CashTransaction.sk.startswith("TXN#")))


def test_commit_applies_all_operations(tables: CommonSettings) -> None:
    username = unique_name()
    open_account(username, "100.00")
    manager = TransactionManager(make_connection(tables))

    manager.execute(withdrawal(username, Decimal("60.00")))

    assert CashBalance.get(*CashBalance.key_for(username)).amount == Decimal("40")
    assert [entry.amount for entry in ledger(username)] == [Decimal("-60")]


def test_failed_condition_raises_mapped_error_and_writes_nothing(tables: CommonSettings) -> None:
    username = unique_name()
    open_account(username, "10.00")
    manager = TransactionManager(make_connection(tables))

    with pytest.raises(InsufficientFundsError):
        manager.execute(withdrawal(username, Decimal("10.01")))

    assert CashBalance.get(*CashBalance.key_for(username)).amount == Decimal("10")
    assert ledger(username) == []


def test_unmapped_condition_failure_is_conflict(tables: CommonSettings) -> None:
    username = unique_name()
    open_account(username, "1.00")
    builder = TransactionBuilder()
    builder.put(CashBalance.opening(username), condition=CashBalance.pk.does_not_exist())

    with pytest.raises(TransactionConditionFailedError):
        TransactionManager(make_connection(tables)).execute(builder)


def test_same_token_retry_after_lost_response_applies_once(tables: CommonSettings) -> None:
    # Given a commit whose response is lost after DynamoDB applied it
    username = unique_name()
    open_account(username, "100.00")
    connection = make_connection(tables)
    real_commit = connection.transact_write_items
    calls: list[str | None] = []

    def commit_then_lose_response(**kwargs: Any) -> Any:
        calls.append(kwargs["client_request_token"])
        result = real_commit(**kwargs)
        if len(calls) == 1:
            raise TransactWriteError("lost", ReadTimeoutError(endpoint_url="http://127.0.0.1"))
        return result

    manager = TransactionManager(connection, sleep=lambda _s: None)

    # When the manager retries
    with mock.patch.object(connection, "transact_write_items", commit_then_lose_response):
        manager.execute(withdrawal(username, Decimal("30.00")))

    # Then the same token was sent twice and the withdrawal happened once
    assert len(calls) == 2
    assert calls[0] == calls[1]
    assert CashBalance.get(*CashBalance.key_for(username)).amount == Decimal("70")
    assert len(ledger(username)) == 1


def cancelled(code: str) -> TransactWriteError:
    response = {"Error": {"Code": "TransactionCanceledException", "Message": "cancelled"}}
    cause = VerboseClientError(
        response,  # type: ignore[arg-type]
        "TransactWriteItems",
        cancellation_reasons=[CancellationReason(code=code), None],
    )
    return TransactWriteError("cancelled", cause)


def test_transaction_conflict_is_retried_then_commits(tables: CommonSettings) -> None:
    username = unique_name()
    open_account(username, "100.00")
    connection = make_connection(tables)
    real_commit = connection.transact_write_items
    attempts: list[int] = []
    delays: list[float] = []

    def conflict_once(**kwargs: Any) -> Any:
        attempts.append(1)
        if len(attempts) == 1:
            raise cancelled("TransactionConflict")
        return real_commit(**kwargs)

    manager = TransactionManager(connection, sleep=delays.append, jitter=lambda: 1.0)
    with mock.patch.object(connection, "transact_write_items", conflict_once):
        manager.execute(withdrawal(username, Decimal("1.00")))

    assert len(attempts) == 2
    assert delays == [manager.base_delay_s]
    assert CashBalance.get(*CashBalance.key_for(username)).amount == Decimal("99")


def test_throttling_until_exhausted_is_503(tables: CommonSettings) -> None:
    username = unique_name()
    open_account(username, "100.00")
    connection = make_connection(tables)
    response = {"Error": {"Code": "ThrottlingException", "Message": "slow down"}}
    throttled = TransactWriteError("throttled", ClientError(response, "TransactWriteItems"))  # type: ignore[arg-type]
    delays: list[float] = []
    manager = TransactionManager(connection, max_attempts=3, sleep=delays.append)

    with (
        mock.patch.object(connection, "transact_write_items", side_effect=throttled),
        pytest.raises(ServiceUnavailableError),
    ):
        manager.execute(withdrawal(username, Decimal("1.00")))

    assert len(delays) == 2
    assert all(0 <= delay <= manager.max_delay_s for delay in delays)
    assert CashBalance.get(*CashBalance.key_for(username)).amount == Decimal("100")


def test_validation_error_is_not_retried(tables: CommonSettings) -> None:
    username = unique_name()
    builder = TransactionBuilder()
    balance = CashBalance.for_user(username)
    builder.update(balance, [CashBalance.amount.add(Decimal("1"))])
    builder.update(balance, [CashBalance.amount.add(Decimal("2"))])
    delays: list[float] = []

    with pytest.raises(TransactWriteError):
        TransactionManager(make_connection(tables), sleep=delays.append).execute(builder)

    assert delays == []


def test_empty_or_oversized_transactions_are_rejected() -> None:
    manager = TransactionManager(mock.Mock())
    builder = TransactionBuilder()

    with pytest.raises(ValueError, match="at least one"):
        manager.execute(builder)
    for index in range(100):
        builder.put(CashBalance.opening(f"user{index}"))
    with pytest.raises(ValueError, match="at most 100"):
        builder.put(CashBalance.opening("one-too-many"))
