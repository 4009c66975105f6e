"""Deposits and withdrawals: exact amounts, conditions, daily limits and idempotency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from common.dynamodb.attributes import epoch_seconds, utc_now
from common.entities.cash import CashBalance, CashTransaction
from common.entities.users import UsersAuditEvent, UsersIdempotencyRecord
from common.settings import CommonSettings
from tests.user_service.conftest import SignedInUser, client_with, sign_in

DEPOSIT = "/api/v1/balance/deposit"
WITHDRAW = "/api/v1/balance/withdraw"


def balance_of(user: SignedInUser) -> Decimal:
    return CashBalance.get(*CashBalance.key_for(user.username), consistent_read=True).amount


def ledger_of(user: SignedInUser) -> list[CashTransaction]:
    return list(
        CashTransaction.query(
            f"USER#{user.username}", CashTransaction.sk.startswith("TXN#"), consistent_read=True
        )
    )


def move(
    client: TestClient, path: str, user: SignedInUser, amount: Any, key: str | None = None
) -> Any:
    headers = dict(user.headers)
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(path, json={"amount": amount}, headers=headers)


def test_deposit_returns_ledger_entry(client: TestClient, customer: SignedInUser) -> None:
    response = move(client, DEPOSIT, customer, "12.5")

    assert response.status_code == 201
    assert response.json()["amount"] == "12.50"
    assert response.json()["type"] == "deposit"
    assert balance_of(customer) == Decimal("12.50")


def test_tenth_plus_fifth_is_exact(client: TestClient, customer: SignedInUser) -> None:
    move(client, DEPOSIT, customer, 0.1)
    move(client, DEPOSIT, customer, 0.2)

    response = client.get("/api/v1/balance", headers=customer.headers)

    assert response.json()["amount"] == "0.30"


INVALID_AMOUNTS = [
    '"NaN"', "NaN", "Infinity", '"-Infinity"', "1e309", '"1e309"', "-5", '"-0.01"', "0",
    '"0.00"', "1.005", '"1.005"', "10000.01", '"10000.01"', '"abc"', "true", "null", "[]",
]  # fmt: skip


@pytest.mark.parametrize("path", [DEPOSIT, WITHDRAW])
def test_invalid_amount_is_422(client: TestClient, customer: SignedInUser, path: str) -> None:
    move(client, DEPOSIT, customer, "100.00")

    for raw_amount in INVALID_AMOUNTS:
        response = client.post(
            path,
            content=f'{{"amount": {raw_amount}}}',
            headers={**customer.headers, "Content-Type": "application/json"},
        )

        assert response.status_code == 422, raw_amount
        assert response.json()["code"] == "validation_error", raw_amount
    assert len(ledger_of(customer)) == 1


def test_withdraw_reduces_balance(client: TestClient, customer: SignedInUser) -> None:
    move(client, DEPOSIT, customer, "100.00")

    response = move(client, WITHDRAW, customer, "30.25")

    assert response.status_code == 201
    assert response.json()["amount"] == "-30.25"
    assert balance_of(customer) == Decimal("69.75")


def test_overdraft_is_422_and_writes_nothing(client: TestClient, customer: SignedInUser) -> None:
    move(client, DEPOSIT, customer, "40.00")

    response = move(client, WITHDRAW, customer, "40.01")

    assert response.status_code == 422
    assert response.json()["code"] == "insufficient_funds"
    assert "40.00" in response.json()["detail"]
    assert balance_of(customer) == Decimal("40")
    assert len(ledger_of(customer)) == 1


def test_concurrent_withdrawals_cannot_overdraw(client: TestClient, customer: SignedInUser) -> None:
    # Given a balance of 100
    move(client, DEPOSIT, customer, "100.00")

    # When two withdrawals of 60 run at the same time
    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(lambda _: move(client, WITHDRAW, customer, "60"), range(2)))

    # Then exactly one succeeds and the ledger holds exactly its entry
    assert sorted(response.status_code for response in responses) == [201, 422]
    assert balance_of(customer) == Decimal("40")
    withdrawals = [entry for entry in ledger_of(customer) if entry.type == "withdrawal"]
    assert [entry.amount for entry in withdrawals] == [Decimal("-60")]


def test_deposit_and_withdrawal_are_audited(client: TestClient, customer: SignedInUser) -> None:
    move(client, DEPOSIT, customer, "5.00")
    move(client, WITHDRAW, customer, "2.00")

    events = list(UsersAuditEvent.query(f"AUDIT#{customer.username}"))

    actions = [event.action for event in events]
    assert "balance.deposit" in actions
    assert "balance.withdrawal" in actions


def test_daily_deposit_limit(client: TestClient, customer: SignedInUser) -> None:
    # Given deposits of 45,000 today against a limit of 50,000
    for _ in range(9):
        move(client, DEPOSIT, customer, "5000")

    # When 5,000.01 more arrive
    over = move(client, DEPOSIT, customer, "5000.01")
    exact = move(client, DEPOSIT, customer, "5000.00")

    # Then only what keeps the day within the limit is accepted
    assert over.status_code == 422
    assert over.json()["code"] == "daily_limit_exceeded"
    assert exact.status_code == 201
    assert balance_of(customer) == Decimal("50000")


def test_daily_limit_holds_under_concurrency(
    jwt_keys: tuple[str, str], session_settings: CommonSettings
) -> None:
    # Given a daily withdrawal limit of 100 and a balance of 1,000
    with client_with(jwt_keys, session_settings, daily_withdrawal_limit="100.00") as limited:
        user = sign_in(limited)
        move(limited, DEPOSIT, user, "1000.00")

        # When eight withdrawals of 30 run at once
        with ThreadPoolExecutor(max_workers=8) as pool:
            responses = list(pool.map(lambda _: move(limited, WITHDRAW, user, "30"), range(8)))

    # Then three fit within the limit and the rest are refused
    statuses = [response.status_code for response in responses]
    assert statuses.count(201) == 3
    assert statuses.count(422) == 5
    assert balance_of(user) == Decimal("910")


def test_amount_above_daily_limit_is_422(
    jwt_keys: tuple[str, str], session_settings: CommonSettings
) -> None:
    with client_with(jwt_keys, session_settings, daily_deposit_limit="50.00") as limited:
        user = sign_in(limited)
        response = move(limited, DEPOSIT, user, "50.01")

    assert response.json()["code"] == "daily_limit_exceeded"
    assert balance_of(user) == 0


def test_repeat_with_same_key_replays(client: TestClient, customer: SignedInUser) -> None:
    first = move(client, DEPOSIT, customer, "25.00", key="dep-1")

    second = move(client, DEPOSIT, customer, 25, key="dep-1")

    assert second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert balance_of(customer) == Decimal("25")
    assert len(ledger_of(customer)) == 1


def test_same_key_other_body_is_409(client: TestClient, customer: SignedInUser) -> None:
    move(client, DEPOSIT, customer, "25.00", key="dep-2")

    response = move(client, DEPOSIT, customer, "26.00", key="dep-2")

    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert balance_of(customer) == Decimal("25")


def test_keys_are_scoped_per_operation(client: TestClient, customer: SignedInUser) -> None:
    move(client, DEPOSIT, customer, "25.00", key="shared")

    response = move(client, WITHDRAW, customer, "5.00", key="shared")

    assert response.status_code == 201
    assert balance_of(customer) == Decimal("20")


def test_concurrent_repeats_apply_once(client: TestClient, customer: SignedInUser) -> None:
    # Given a balance of 100 and eight copies of one withdrawal with one key
    move(client, DEPOSIT, customer, "100.00")

    # When they arrive at once
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(
            pool.map(lambda _: move(client, WITHDRAW, customer, "10.00", key="wd-1"), range(8))
        )

    # Then every caller sees the same 201 and the money moved once
    assert {response.status_code for response in responses} == {201}
    assert len({response.json()["transaction_id"] for response in responses}) == 1
    assert balance_of(customer) == Decimal("90")
    assert len(ledger_of(customer)) == 2


def test_idempotency_record_lasts_a_day(client: TestClient, customer: SignedInUser) -> None:
    move(client, DEPOSIT, customer, "1.00", key="dep-ttl")

    record = UsersIdempotencyRecord.get(
        f"IDEMPOTENCY#deposit#{customer.username}#dep-ttl", "IDEMPOTENCY"
    )

    assert record.expires_at >= epoch_seconds(utc_now()) + 24 * 3600 - 5


def test_failed_withdrawal_can_be_retried_with_its_key(
    client: TestClient, customer: SignedInUser
) -> None:
    first = move(client, WITHDRAW, customer, "10.00", key="wd-2")
    move(client, DEPOSIT, customer, "10.00")

    second = move(client, WITHDRAW, customer, "10.00", key="wd-2")

    assert first.status_code == 422
    assert second.status_code == 201
    assert balance_of(customer) == 0


def test_invalid_idempotency_key_is_422(client: TestClient, customer: SignedInUser) -> None:
    response = move(client, DEPOSIT, customer, "1.00", key="bad key with spaces")

    assert response.status_code == 422
    assert balance_of(customer) == 0


def test_balance_needs_token(client: TestClient) -> None:
    response = client.get("/api/v1/balance")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
