"""Registration: one transaction for user, e-mail claim and balance, unique under concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from pynamodb.exceptions import DoesNotExist

from common.entities.cash import CashBalance
from common.entities.users import EmailClaim, User, UsersAuditEvent
from tests.conftest import unique_name
from tests.user_service.conftest import PASSWORD, register

REGISTER = "/api/v1/auth/register"


def exists(model: type, *key: str) -> bool:
    try:
        model.get(*key, consistent_read=True)  # type: ignore[attr-defined]
    except DoesNotExist:
        return False
    return True


def test_register_creates_user_and_zero_balance(client: TestClient) -> None:
    username = unique_name()

    response = client.post(
        REGISTER,
        json={
            "username": username.upper(),
            "email": f"{username}@Example.COM",
            "password": PASSWORD,
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert body["username"] == username
    assert body["email"] == f"{username}@example.com"
    assert body["role"] == "customer"
    assert "password" not in response.text
    assert CashBalance.get(*CashBalance.key_for(username)).amount == 0
    assert EmailClaim.get(*EmailClaim.key_for(f"{username}@example.com")).username == username


def test_register_stores_only_a_password_hash(client: TestClient) -> None:
    body = register(client)

    stored = User.get(*User.key_for(body["username"]))

    assert stored.password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored.password_hash


def test_register_writes_audit_event(client: TestClient) -> None:
    body = register(client)

    events = list(UsersAuditEvent.query(f"AUDIT#{body['username']}"))

    assert [event.action for event in events] == ["auth.register"]
    assert PASSWORD not in (events[0].details or "")


def test_username_taken_in_any_case(client: TestClient) -> None:
    body = register(client)

    response = client.post(
        REGISTER,
        json={
            "username": body["username"].upper(),
            "email": f"other-{body['username']}@example.com",
            "password": PASSWORD,
        },
    )

    assert response.status_code == 409
    assert response.json()["code"] == "username_taken"
    assert not exists(EmailClaim, *EmailClaim.key_for(f"other-{body['username']}@example.com"))


def test_email_taken_writes_nothing(client: TestClient) -> None:
    first = register(client)
    username = unique_name()

    response = client.post(
        REGISTER,
        json={"username": username, "email": first["email"].upper(), "password": PASSWORD},
    )

    assert response.status_code == 409
    assert response.json()["code"] == "email_taken"
    assert not exists(User, *User.key_for(username))
    assert not exists(CashBalance, *CashBalance.key_for(username))


def test_concurrent_same_username_one_wins(client: TestClient) -> None:
    # Given eight registrations of one username with different e-mail addresses
    username = unique_name()
    emails = [f"{username}-{index}@example.com" for index in range(8)]

    # When they run at the same time
    def attempt(email: str) -> int:
        body = {"username": username, "email": email, "password": PASSWORD}
        return client.post(REGISTER, json=body).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(attempt, emails))

    # Then exactly one commits and the losers leave no e-mail claim behind
    assert sorted(statuses) == [201] + [409] * 7
    winner = User.get(*User.key_for(username)).email
    claims = [email for email in emails if exists(EmailClaim, *EmailClaim.key_for(email))]
    assert claims == [winner]


def test_concurrent_same_email_one_wins(client: TestClient) -> None:
    # Given eight registrations of one e-mail address with different usernames
    email = f"{unique_name()}@example.com"
    usernames = [unique_name() for _ in range(8)]

    # When they run at the same time
    def attempt(username: str) -> int:
        body = {"username": username, "email": email, "password": PASSWORD}
        return client.post(REGISTER, json=body).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(attempt, usernames))

    # Then exactly one account exists, with its balance, and no loser wrote anything
    assert sorted(statuses) == [201] + [409] * 7
    users = [name for name in usernames if exists(User, *User.key_for(name))]
    balances = [name for name in usernames if exists(CashBalance, *CashBalance.key_for(name))]
    assert len(users) == 1
    assert balances == users
    assert EmailClaim.get(*EmailClaim.key_for(email)).username == users[0]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("username", "zq"),
        ("username", "has space"),
        ("username", "x" * 33),
        ("email", "not-an-email"),
        ("email", "a@b"),
        ("email", "a b@example.com"),
        ("email", "x@@example.com"),
        ("email", "ops@localhost"),
        ("email", "dot.@example.com"),
        ("password", "pw12345"),
        ("password", "p" * 65),
        ("password", "p" * 5000),
    ],
)
def test_invalid_field_is_422(client: TestClient, field: str, value: str) -> None:
    username = unique_name()
    body = {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
    body[field] = value

    response = client.post(REGISTER, json=body)

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
    assert response.json()["errors"][0]["field"] == f"body.{field}"
    assert value not in str(response.json()["errors"])
    assert not exists(User, *User.key_for(username))


@pytest.mark.parametrize("length", [8, 64])
def test_any_allowed_password_length_works(client: TestClient, length: int) -> None:
    password = "ä" * length

    body = register(client, password=password)
    response = client.post(
        "/api/v1/auth/login", json={"username": body["username"], "password": password}
    )

    assert response.status_code == 200


def test_invalid_fields_get_readable_messages(client: TestClient) -> None:
    body = {"username": "ab", "email": "x", "password": PASSWORD}

    response = client.post(REGISTER, json=body)

    messages = {error["field"]: error["message"] for error in response.json()["errors"]}
    assert response.status_code == 422
    assert messages["body.username"] == "must be 3 to 32 characters long"
    assert messages["body.email"].startswith("must be an e-mail address")
    assert not any("Value error" in message for message in messages.values())
