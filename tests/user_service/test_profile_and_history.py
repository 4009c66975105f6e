"""Profile, password change, ledger pages and isolation between users."""

from __future__ import annotations

import base64
import json
from decimal import Decimal

from fastapi.testclient import TestClient

from common.entities.cash import CashTransaction, CashTransactionType
from common.entities.users import EmailClaim, UsersAuditEvent
from tests.conftest import unique_name
from tests.user_service.conftest import SignedInUser, register, sign_in

ME = "/api/v1/auth/me"
HISTORY = "/api/v1/balance/transactions"


def encode(key: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def add_entries(username: str, count: int, kind: CashTransactionType) -> list[str]:
    """Write `count` ledger entries directly, oldest first; return their ids."""
    ids = []
    for index in range(count):
        entry = CashTransaction.new(username=username, type=kind, amount=Decimal(index + 1))
        entry.save()
        ids.append(entry.transaction_id)
    return ids


def test_read_me(client: TestClient, customer: SignedInUser) -> None:
    response = client.get(ME, headers=customer.headers)

    assert response.status_code == 200
    assert response.json()["email"] == customer.email
    assert "password_hash" not in response.text


def test_update_names(client: TestClient, customer: SignedInUser) -> None:
    response = client.patch(
        ME, json={"first_name": "Ada", "last_name": "Lovelace"}, headers=customer.headers
    )

    assert response.status_code == 200
    assert response.json()["first_name"] == "Ada"
    cleared = client.patch(ME, json={"first_name": None}, headers=customer.headers)
    assert cleared.json()["first_name"] is None
    assert cleared.json()["last_name"] == "Lovelace"


def test_update_email_moves_claim(client: TestClient, customer: SignedInUser) -> None:
    new_email = f"{unique_name()}@example.com"

    response = client.patch(ME, json={"email": new_email}, headers=customer.headers)

    assert response.json()["email"] == new_email
    assert EmailClaim.get(*EmailClaim.key_for(new_email)).username == customer.username
    assert EmailClaim.count(EmailClaim.key_for(customer.email)[0]) == 0
    register(client, email=customer.email)


def test_update_to_taken_email_is_409(client: TestClient, customer: SignedInUser) -> None:
    other = register(client)

    response = client.patch(ME, json={"email": other["email"]}, headers=customer.headers)

    assert response.status_code == 409
    assert response.json()["code"] == "email_taken"
    assert client.get(ME, headers=customer.headers).json()["email"] == customer.email


def test_empty_update_is_422(client: TestClient, customer: SignedInUser) -> None:
    response = client.patch(ME, json={}, headers=customer.headers)

    assert response.status_code == 422


def test_password_change_ends_sessions(client: TestClient, customer: SignedInUser) -> None:
    # When the user changes the password
    response = client.post(
        "/api/v1/auth/password",
        json={"current_password": customer.password, "new_password": "a new passphrase"},
        headers=customer.headers,
    )

    # Then old refresh tokens stop working and only the new password logs in
    assert response.status_code == 204
    refresh = client.post("/api/v1/auth/refresh", json={"refresh_token": customer.refresh_token})
    assert refresh.status_code == 401
    assert refresh.headers["WWW-Authenticate"].startswith("Bearer")
    old = {"username": customer.username, "password": customer.password}
    new = {"username": customer.username, "password": "a new passphrase"}
    assert client.post("/api/v1/auth/login", json=old).status_code == 401
    assert client.post("/api/v1/auth/login", json=new).status_code == 200
    actions = [event.action for event in UsersAuditEvent.query(f"AUDIT#{customer.username}")]
    assert "auth.password_change" in actions


def test_password_change_needs_current_password(client: TestClient, customer: SignedInUser) -> None:
    response = client.post(
        "/api/v1/auth/password",
        json={"current_password": "not-the-password", "new_password": "a new passphrase"},
        headers=customer.headers,
    )

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    login = {"username": customer.username, "password": customer.password}
    assert client.post("/api/v1/auth/login", json=login).status_code == 200


def test_new_password_follows_policy(client: TestClient, customer: SignedInUser) -> None:
    response = client.post(
        "/api/v1/auth/password",
        json={"current_password": customer.password, "new_password": "p" * 65},
        headers=customer.headers,
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.new_password"


def test_history_pages_every_entry_once(client: TestClient, customer: SignedInUser) -> None:
    # Given 120 ledger entries, many written within the same second
    ids = add_entries(customer.username, 120, CashTransactionType.DEPOSIT)

    # When the client reads pages of 25 until no next_token is left
    seen: list[str] = []
    pages = 0
    params: dict[str, str | int] = {"limit": 25}
    while True:
        page = client.get(HISTORY, params=params, headers=customer.headers).json()
        pages += 1
        seen.extend(item["transaction_id"] for item in page["items"])
        if not page.get("next_token"):
            break
        params = {"limit": 25, "next_token": page["next_token"]}

    # Then every entry came once, newest first, in write order
    assert seen == list(reversed(ids))
    assert pages == 5


def test_history_filters_by_type(client: TestClient, customer: SignedInUser) -> None:
    deposits = add_entries(customer.username, 3, CashTransactionType.DEPOSIT)
    add_entries(customer.username, 2, CashTransactionType.ORDER_BUY)

    first = client.get(
        HISTORY, params={"type": "deposit", "limit": 2}, headers=customer.headers
    ).json()
    second = client.get(
        HISTORY,
        params={"type": "deposit", "limit": 2, "next_token": first["next_token"]},
        headers=customer.headers,
    ).json()

    ids = [item["transaction_id"] for item in first["items"] + second["items"]]
    assert ids == list(reversed(deposits))
    assert second.get("next_token") is None


def test_forged_cursor_is_400(client: TestClient, customer: SignedInUser) -> None:
    other = sign_in(client)
    add_entries(other.username, 3, CashTransactionType.DEPOSIT)
    add_entries(customer.username, 3, CashTransactionType.DEPOSIT)
    others_cursor = client.get(HISTORY, params={"limit": 1}, headers=other.headers).json()
    forged = [
        "not base64 !",
        "bm90IGpzb24",
        encode({"pk": f"USER#{customer.username}"}),
        encode({"pk": f"USER#{customer.username}", "sk": "BALANCE"}),
        encode({"pk": f"USER#{customer.username}", "sk": "TXN#x", "extra": "1"}),
        others_cursor["next_token"],
    ]

    for token in forged:
        response = client.get(HISTORY, params={"next_token": token}, headers=customer.headers)

        assert response.status_code == 400, token
        assert response.json()["code"] == "invalid_cursor", token


def test_forged_type_cursor_is_400(client: TestClient, customer: SignedInUser) -> None:
    add_entries(customer.username, 3, CashTransactionType.DEPOSIT)
    page = client.get(
        HISTORY, params={"type": "deposit", "limit": 1}, headers=customer.headers
    ).json()

    response = client.get(
        HISTORY,
        params={"type": "withdrawal", "next_token": page["next_token"]},
        headers=customer.headers,
    )

    assert response.status_code == 400


def test_users_never_see_each_other(client: TestClient) -> None:
    # Given two users, one with money
    alice = sign_in(client)
    bob = sign_in(client)
    client.post("/api/v1/balance/deposit", json={"amount": "50.00"}, headers=alice.headers)

    # When Bob reads and acts with his own token
    bob_balance = client.get("/api/v1/balance", headers=bob.headers).json()
    bob_history = client.get(HISTORY, headers=bob.headers).json()
    bob_me = client.get(ME, headers=bob.headers).json()
    withdrawal = client.post(
        "/api/v1/balance/withdraw", json={"amount": "1.00"}, headers=bob.headers
    )
    client.patch(ME, json={"first_name": "Mallory"}, headers=bob.headers)

    # Then he reads and changes only his own data
    assert bob_balance["amount"] == "0.00"
    assert bob_history["items"] == []
    assert bob_me["username"] == bob.username
    assert withdrawal.status_code == 422
    alice_view = client.get(ME, headers=alice.headers).json()
    assert alice_view["first_name"] is None
    assert client.get("/api/v1/balance", headers=alice.headers).json()["amount"] == "50.00"
