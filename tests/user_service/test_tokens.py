"""Access token attacks and refresh token rotation, reuse detection and revocation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import jwt
import pytest
from fastapi.testclient import TestClient

from common.entities.users import RefreshTokenFamily, UsersAuditEvent
from common.security.tokens import Role, TokenManager
from common.settings import CommonSettings
from tests.user_service.conftest import SignedInUser, bearer, mint_access_token

ME = "/api/v1/auth/me"
REFRESH = "/api/v1/auth/refresh"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def claims_for(common: CommonSettings, username: str) -> dict[str, object]:
    import time

    now = int(time.time())
    return {
        "sub": username,
        "role": "admin",
        "iss": common.jwt_issuer,
        "aud": common.jwt_audience,
        "iat": now,
        "exp": now + 600,
        "jti": "0" * 32,
    }


def manager(jwt_keys: tuple[str, str], common: CommonSettings, **kwargs: object) -> TokenManager:
    values: dict[str, object] = {
        "issuer": common.jwt_issuer,
        "audience": common.jwt_audience,
        "public_key_pem": jwt_keys[1],
        "private_key_pem": jwt_keys[0],
    }
    values.update(kwargs)
    return TokenManager(**values)  # type: ignore[arg-type]


def assert_rejected(client: TestClient, token: str) -> None:
    response = client.get(ME, headers=bearer(token))
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_minted_token_reads_profile(
    client: TestClient,
    customer: SignedInUser,
    jwt_keys: tuple[str, str],
    session_settings: CommonSettings,
) -> None:
    token = mint_access_token(jwt_keys, session_settings, customer.username)

    response = client.get(ME, headers=bearer(token))

    assert response.status_code == 200
    assert response.json()["username"] == customer.username


def test_missing_token_is_401(client: TestClient) -> None:
    response = client.get(ME)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_expired_token_is_401(
    client: TestClient,
    customer: SignedInUser,
    jwt_keys: tuple[str, str],
    session_settings: CommonSettings,
) -> None:
    expired = manager(jwt_keys, session_settings, access_token_ttl=timedelta(minutes=-5))
    token, _claims = expired.issue_access_token(customer.username, Role.CUSTOMER)

    assert_rejected(client, token)


def test_tampered_token_is_401(client: TestClient, customer: SignedInUser) -> None:
    header, payload, signature = customer.access_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["role"] = "admin"
    forged = f"{header}.{b64(json.dumps(claims).encode())}.{signature}"

    assert_rejected(client, forged)


def test_wrong_audience_is_401(
    client: TestClient,
    customer: SignedInUser,
    jwt_keys: tuple[str, str],
    session_settings: CommonSettings,
) -> None:
    other = manager(jwt_keys, session_settings, audience="another-api")
    token, _claims = other.issue_access_token(customer.username, Role.CUSTOMER)

    assert_rejected(client, token)


def test_alg_none_is_401(
    client: TestClient, customer: SignedInUser, session_settings: CommonSettings
) -> None:
    header = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    payload = b64(json.dumps(claims_for(session_settings, customer.username)).encode())

    assert_rejected(client, f"{header}.{payload}.")


def test_hmac_with_public_key_is_401(
    client: TestClient,
    customer: SignedInUser,
    jwt_keys: tuple[str, str],
    session_settings: CommonSettings,
) -> None:
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    payload = b64(json.dumps(claims_for(session_settings, customer.username)).encode())
    signing_input = f"{header}.{payload}".encode()
    signature = hmac.new(jwt_keys[1].encode(), signing_input, hashlib.sha256).digest()

    assert_rejected(client, f"{header}.{payload}.{b64(signature)}")


def test_jwks_verifies_issued_token(client: TestClient, customer: SignedInUser) -> None:
    keys = client.get("/api/v1/auth/jwks.json").json()["keys"]
    public_key = jwt.PyJWK(keys[0]).key

    claims = jwt.decode(
        customer.access_token, public_key, algorithms=["EdDSA"], audience="cnop-api"
    )

    assert claims["sub"] == customer.username
    assert "d" not in keys[0]


def test_refresh_rotates_token(client: TestClient, customer: SignedInUser) -> None:
    response = client.post(REFRESH, json={"refresh_token": customer.refresh_token})

    assert response.status_code == 200
    rotated = response.json()
    assert rotated["refresh_token"] != customer.refresh_token
    assert client.get(ME, headers=bearer(rotated["access_token"])).status_code == 200
    again = client.post(REFRESH, json={"refresh_token": rotated["refresh_token"]})
    assert again.status_code == 200


def test_reused_refresh_token_revokes_family(client: TestClient, customer: SignedInUser) -> None:
    # Given a refresh token that was rotated once
    successor = client.post(REFRESH, json={"refresh_token": customer.refresh_token}).json()

    # When the old token is presented again
    reuse = client.post(REFRESH, json={"refresh_token": customer.refresh_token})

    # Then it is rejected, and so is the successor the legitimate client holds
    assert reuse.status_code == 401
    assert reuse.json()["code"] == "invalid_token"
    assert reuse.headers["WWW-Authenticate"].startswith("Bearer")
    after = client.post(REFRESH, json={"refresh_token": successor["refresh_token"]})
    assert after.status_code == 401
    family_id = customer.refresh_token.split(".")[0]
    family = RefreshTokenFamily.get(*RefreshTokenFamily.key_for(family_id))
    assert family.revoked_reason == "reuse"
    actions = [event.action for event in UsersAuditEvent.query(f"AUDIT#{customer.username}")]
    assert "auth.refresh_reuse" in actions


def test_concurrent_refresh_rotates_once(client: TestClient, customer: SignedInUser) -> None:
    def attempt(_index: int) -> int:
        return client.post(REFRESH, json={"refresh_token": customer.refresh_token}).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(attempt, range(6)))

    assert statuses.count(200) == 1
    assert statuses.count(401) == 5


@pytest.mark.parametrize(
    "token",
    ["garbage", "0" * 32 + "." + "A" * 43, "../../etc." + "A" * 43],
)
def test_unknown_refresh_token_is_401(client: TestClient, token: str) -> None:
    response = client.post(REFRESH, json={"refresh_token": token})

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


def test_guessed_secret_does_not_revoke(client: TestClient, customer: SignedInUser) -> None:
    family_id = customer.refresh_token.split(".")[0]

    response = client.post(REFRESH, json={"refresh_token": f"{family_id}.{'A' * 43}"})

    assert response.status_code == 401
    assert client.post(REFRESH, json={"refresh_token": customer.refresh_token}).status_code == 200


def test_logout_revokes_session(client: TestClient, customer: SignedInUser) -> None:
    response = client.post("/api/v1/auth/logout", json={"refresh_token": customer.refresh_token})

    assert response.status_code == 204
    refresh = client.post(REFRESH, json={"refresh_token": customer.refresh_token})
    assert refresh.status_code == 401
    actions = [event.action for event in UsersAuditEvent.query(f"AUDIT#{customer.username}")]
    assert "auth.logout" in actions


def test_expired_refresh_token_is_401(client: TestClient, customer: SignedInUser) -> None:
    family_id = customer.refresh_token.split(".")[0]
    family = RefreshTokenFamily.get(*RefreshTokenFamily.key_for(family_id))
    family.update(actions=[RefreshTokenFamily.expires_at.set(1)])

    response = client.post(REFRESH, json={"refresh_token": customer.refresh_token})

    assert response.status_code == 401
