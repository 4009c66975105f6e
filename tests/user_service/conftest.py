"""Fixtures for the user service: an app on DynamoDB Local, clients and signed-in users.

Other suites that only need a bearer token can copy `mint_access_token`: it signs with
the session's `jwt_keys`, exactly as the user service would, without any HTTP call.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from common.security.tokens import Role, TokenManager
from common.settings import CommonSettings
from tests.conftest import unique_name
from user_service.main import create_app
from user_service.settings import UserServiceSettings

PASSWORD = "correct horse battery"


def mint_access_token(
    jwt_keys: tuple[str, str], common: CommonSettings, username: str, role: Role = Role.CUSTOMER
) -> str:
    """Sign an access token for `username` with the test key pair, as the user service does."""
    manager = TokenManager(
        issuer=common.jwt_issuer,
        audience=common.jwt_audience,
        public_key_pem=jwt_keys[1],
        private_key_pem=jwt_keys[0],
    )
    token, _claims = manager.issue_access_token(username, role)
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def user_settings_for(jwt_keys: tuple[str, str], **overrides: Any) -> UserServiceSettings:
    """Settings with cheap Argon2 parameters, so that hashing costs milliseconds in tests."""
    values: dict[str, Any] = {
        "jwt_private_key": SecretStr(jwt_keys[0]),
        "argon2_time_cost": 1,
        "argon2_memory_cost_kib": 64,
        "argon2_parallelism": 1,
        "password_min_length": 8,
        "password_max_length": 64,
        "login_max_failures": 3,
        "max_deposit_amount": "10000.00",
        "max_withdrawal_amount": "10000.00",
        "daily_deposit_limit": "50000.00",
        "daily_withdrawal_limit": "50000.00",
    }
    values.update(overrides)
    return UserServiceSettings(**values)


@pytest.fixture(scope="module")
def user_app(session_settings: CommonSettings, jwt_keys: tuple[str, str]) -> FastAPI:
    """One app per test module on the session's tables; tests keep apart by unique usernames.

    Sharing the app keeps PynamoDB's connections, whose creation dominates a short test.
    """
    return create_app(user_settings_for(jwt_keys), common=session_settings)


@pytest.fixture(scope="module")
def client(user_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(user_app, raise_server_exceptions=False) as test_client:
        yield test_client


@contextmanager
def client_with(
    jwt_keys: tuple[str, str], common: CommonSettings, **overrides: Any
) -> Iterator[TestClient]:
    """Yield a client of an app with some settings changed, for limit tests."""
    app = create_app(user_settings_for(jwt_keys, **overrides), common=common)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@dataclass
class SignedInUser:
    username: str
    email: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return bearer(self.access_token)


def register(client: TestClient, username: str | None = None, **fields: Any) -> dict[str, Any]:
    """Register an account through the API and return the request body that was sent."""
    username = username or unique_name()
    body = {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
    body.update(fields)
    response = client.post("/api/v1/auth/register", json=body)
    assert response.status_code == 201, response.text
    return body


def sign_in(client: TestClient, username: str | None = None, **fields: Any) -> SignedInUser:
    """Register and log in a new account; return its credentials and tokens."""
    body = register(client, username, **fields)
    response = client.post(
        "/api/v1/auth/login", json={"username": body["username"], "password": body["password"]}
    )
    assert response.status_code == 200, response.text
    tokens = response.json()
    return SignedInUser(
        username=body["username"].lower(),
        email=body["email"].lower(),
        password=body["password"],
        access_token=tokens["access_token"],
        refresh_token=tokens["refresh_token"],
    )


@pytest.fixture
def customer(client: TestClient) -> SignedInUser:
    return sign_in(client)
