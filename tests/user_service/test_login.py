"""Login: one 401 for unknown user and wrong password, throttling, and audit events."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from unittest import mock

from fastapi import FastAPI
from fastapi.testclient import TestClient

from common.entities.users import UsersAuditEvent
from tests.conftest import unique_name
from tests.user_service.conftest import PASSWORD, register

LOGIN = "/api/v1/auth/login"


def comparable(body: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in body.items() if key != "request_id"}


def test_login_returns_token_pair(client: TestClient) -> None:
    body = register(client)

    response = client.post(LOGIN, json={"username": body["username"], "password": PASSWORD})

    assert response.status_code == 200
    tokens = response.json()
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 900
    assert tokens["refresh_token"].count(".") == 1


def test_login_accepts_any_username_case(client: TestClient) -> None:
    body = register(client)

    response = client.post(LOGIN, json={"username": body["username"].upper(), "password": PASSWORD})

    assert response.status_code == 200


def test_unknown_user_and_wrong_password_look_alike(client: TestClient) -> None:
    body = register(client)

    wrong = client.post(LOGIN, json={"username": body["username"], "password": "wrong-pass"})
    unknown = client.post(LOGIN, json={"username": unique_name(), "password": "wrong-pass"})

    assert wrong.status_code == 401
    assert unknown.status_code == 401
    assert comparable(wrong.json()) == comparable(unknown.json())
    assert wrong.headers["WWW-Authenticate"] == unknown.headers["WWW-Authenticate"]


def test_unknown_user_still_runs_argon2(client: TestClient, user_app: FastAPI) -> None:
    hasher = user_app.state.user_context.passwords._hasher

    with mock.patch.object(hasher, "verify", wraps=hasher.verify) as verify:
        client.post(LOGIN, json={"username": unique_name(), "password": "wrong-pass"})

    assert verify.call_count == 1


def test_login_audits_success_and_failure(client: TestClient) -> None:
    body = register(client)

    client.post(LOGIN, json={"username": body["username"], "password": "wrong-pass"})
    client.post(LOGIN, json={"username": body["username"], "password": PASSWORD})

    events = [
        (event.action, event.outcome)
        for event in UsersAuditEvent.query(f"AUDIT#{body['username']}")
    ]
    assert events == [
        ("auth.register", "success"),
        ("auth.login", "failure"),
        ("auth.login", "success"),
    ]
    details = "".join(
        event.details or "" for event in UsersAuditEvent.query(f"AUDIT#{body['username']}")
    )
    assert "wrong-pass" not in details
    assert PASSWORD not in details


def test_repeated_failures_are_throttled(client: TestClient) -> None:
    # Given an account with three failed logins (the test maximum)
    body = register(client)
    for _ in range(3):
        client.post(LOGIN, json={"username": body["username"], "password": "wrong-pass"})

    # When the owner then sends the correct password
    response = client.post(LOGIN, json={"username": body["username"], "password": PASSWORD})

    # Then the account waits for the window to end
    assert response.status_code == 429
    assert response.json()["code"] == "too_many_requests"
    assert 1 <= int(response.headers["Retry-After"]) <= 900


def test_throttle_holds_under_concurrency(client: TestClient) -> None:
    # Given twelve wrong passwords for one account sent at once
    username = register(client)["username"]

    def attempt(_index: int) -> int:
        return client.post(LOGIN, json={"username": username, "password": "wrong-pass"}).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(attempt, range(12)))

    # Then exactly the allowed three reached the password check
    assert statuses.count(401) == 3
    assert statuses.count(429) == 9


def test_throttle_counts_unknown_users_too(client: TestClient) -> None:
    username = unique_name()
    for _ in range(3):
        client.post(LOGIN, json={"username": username, "password": "wrong-pass"})

    response = client.post(LOGIN, json={"username": username, "password": "wrong-pass"})

    assert response.status_code == 429


def test_success_resets_failure_count(client: TestClient) -> None:
    body = register(client)
    for _ in range(2):
        client.post(LOGIN, json={"username": body["username"], "password": "wrong-pass"})
    client.post(LOGIN, json={"username": body["username"], "password": PASSWORD})

    for _ in range(2):
        client.post(LOGIN, json={"username": body["username"], "password": "wrong-pass"})
    response = client.post(LOGIN, json={"username": body["username"], "password": PASSWORD})

    assert response.status_code == 200


def test_overlong_password_is_422(client: TestClient) -> None:
    response = client.post(LOGIN, json={"username": unique_name(), "password": "p" * 2000})

    assert response.status_code == 422
    assert response.json()["code"] == "validation_error"
