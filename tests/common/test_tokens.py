"""TokenManager and the auth dependencies: what is accepted and what is rejected."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from datetime import timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from common.api.problems import install_problem_handlers
from common.errors import InvalidTokenError
from common.security.auth import AdminClaims, CurrentClaims
from common.security.tokens import Role, TokenManager, generate_keypair, verifier_from_settings
from common.settings import CommonSettings

ISSUER = "cnop-user-service"
AUDIENCE = "cnop-api"


@pytest.fixture
def issuer(jwt_keys: tuple[str, str]) -> TokenManager:
    return TokenManager(
        issuer=ISSUER, audience=AUDIENCE, public_key_pem=jwt_keys[1], private_key_pem=jwt_keys[0]
    )


@pytest.fixture
def verifier(jwt_keys: tuple[str, str]) -> TokenManager:
    return TokenManager(issuer=ISSUER, audience=AUDIENCE, public_key_pem=jwt_keys[1])


def claims_of(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_issued_token_verifies_with_public_key(
    issuer: TokenManager, verifier: TokenManager
) -> None:
    token, issued = issuer.issue_access_token("alice", Role.CUSTOMER)

    claims = verifier.verify_access_token(token)

    assert claims.username == "alice"
    assert claims.role is Role.CUSTOMER
    assert claims.token_id == issued.token_id
    assert set(claims_of(token)) == {"sub", "role", "iss", "aud", "iat", "exp", "jti"}


def test_verify_only_manager_cannot_issue(verifier: TokenManager) -> None:
    with pytest.raises(RuntimeError, match="no private key"):
        verifier.issue_access_token("alice", Role.CUSTOMER)


def test_expired_token_is_rejected(jwt_keys: tuple[str, str], verifier: TokenManager) -> None:
    short = TokenManager(
        issuer=ISSUER,
        audience=AUDIENCE,
        public_key_pem=jwt_keys[1],
        private_key_pem=jwt_keys[0],
        access_token_ttl=timedelta(seconds=-60),
    )
    token, _ = short.issue_access_token("alice", Role.CUSTOMER)

    with pytest.raises(InvalidTokenError, match="expired"):
        verifier.verify_access_token(token)


def test_wrong_audience_or_issuer_is_rejected(
    jwt_keys: tuple[str, str], issuer: TokenManager
) -> None:
    token, _ = issuer.issue_access_token("alice", Role.CUSTOMER)
    other_audience = TokenManager(issuer=ISSUER, audience="other", public_key_pem=jwt_keys[1])
    other_issuer = TokenManager(issuer="other", audience=AUDIENCE, public_key_pem=jwt_keys[1])

    with pytest.raises(InvalidTokenError):
        other_audience.verify_access_token(token)
    with pytest.raises(InvalidTokenError):
        other_issuer.verify_access_token(token)


def test_tampered_payload_is_rejected(issuer: TokenManager, verifier: TokenManager) -> None:
    token, _ = issuer.issue_access_token("alice", Role.CUSTOMER)
    header, _payload, signature = token.split(".")
    forged = claims_of(token) | {"role": "admin"}
    tampered = ".".join([header, b64(json.dumps(forged).encode()), signature])

    with pytest.raises(InvalidTokenError):
        verifier.verify_access_token(tampered)


def test_alg_none_is_rejected(issuer: TokenManager, verifier: TokenManager) -> None:
    token, _ = issuer.issue_access_token("alice", Role.CUSTOMER)
    header = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    unsigned = f"{header}.{token.split('.')[1]}."

    with pytest.raises(InvalidTokenError):
        verifier.verify_access_token(unsigned)


def test_hmac_token_keyed_with_public_key_is_rejected(
    jwt_keys: tuple[str, str], issuer: TokenManager, verifier: TokenManager
) -> None:
    token, _ = issuer.issue_access_token("alice", Role.CUSTOMER)
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = token.split(".")[1]
    mac = hmac.new(jwt_keys[1].encode(), f"{header}.{body}".encode(), hashlib.sha256).digest()
    forged = f"{header}.{body}.{b64(mac)}"

    with pytest.raises(InvalidTokenError):
        verifier.verify_access_token(forged)


def test_token_from_other_key_is_rejected(verifier: TokenManager) -> None:
    other_private, other_public = generate_keypair()
    stranger = TokenManager(
        issuer=ISSUER, audience=AUDIENCE, public_key_pem=other_public, private_key_pem=other_private
    )
    token, _ = stranger.issue_access_token("alice", Role.ADMIN)

    with pytest.raises(InvalidTokenError):
        verifier.verify_access_token(token)


def test_unknown_role_is_rejected(jwt_keys: tuple[str, str], verifier: TokenManager) -> None:
    payload = {
        "sub": "alice", "role": "superuser", "iss": ISSUER, "aud": AUDIENCE,
        "iat": int(time.time()), "exp": int(time.time()) + 60, "jti": "x",
    }  # fmt: skip
    token = jwt.encode(payload, load_pem_private_key(jwt_keys[0].encode(), None), "EdDSA")  # type: ignore[arg-type]

    with pytest.raises(InvalidTokenError, match="unknown role"):
        verifier.verify_access_token(token)


def test_mismatched_key_pair_is_refused(jwt_keys: tuple[str, str]) -> None:
    other_private, _ = generate_keypair()

    with pytest.raises(ValueError, match="does not match"):
        TokenManager(
            issuer=ISSUER,
            audience=AUDIENCE,
            public_key_pem=jwt_keys[1],
            private_key_pem=other_private,
        )


def test_jwks_publishes_public_key_only(issuer: TokenManager) -> None:
    keys = issuer.jwks()["keys"]

    assert len(keys) == 1
    assert keys[0]["kty"] == "OKP"
    assert keys[0]["alg"] == "EdDSA"
    assert keys[0]["kid"] == issuer.key_id
    assert "d" not in keys[0]


def test_verifier_from_settings_needs_a_key(jwt_keys: tuple[str, str], tmp_path: Any) -> None:
    key_file = tmp_path / "public.pem"
    key_file.write_text(jwt_keys[1])

    assert verifier_from_settings(CommonSettings()) is None
    assert verifier_from_settings(CommonSettings(jwt_public_key_file=key_file)) is not None


def auth_client(verifier: TokenManager) -> TestClient:
    router = APIRouter()

    @router.get("/me")
    def me(claims: CurrentClaims) -> dict[str, str]:
        return {"username": claims.username}

    @router.get("/admin")
    def admin(claims: AdminClaims) -> dict[str, str]:
        return {"username": claims.username}

    app = FastAPI()
    app.state.token_manager = verifier
    install_problem_handlers(app)
    app.include_router(router)
    return TestClient(app)


def test_missing_bearer_is_401_with_challenge(verifier: TokenManager) -> None:
    response = auth_client(verifier).get("/me")

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["code"] == "unauthorized"


def test_invalid_bearer_is_401_invalid_token(verifier: TokenManager) -> None:
    response = auth_client(verifier).get("/me", headers={"Authorization": "Bearer abc.def.ghi"})

    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["code"] == "invalid_token"


def test_customer_cannot_use_admin_route(issuer: TokenManager, verifier: TokenManager) -> None:
    customer, _ = issuer.issue_access_token("bob", Role.CUSTOMER)
    admin, _ = issuer.issue_access_token("root", Role.ADMIN)
    client = auth_client(verifier)

    denied = client.get("/admin", headers={"Authorization": f"Bearer {customer}"})
    allowed = client.get("/admin", headers={"Authorization": f"Bearer {admin}"})

    assert denied.status_code == 403
    assert denied.json()["code"] == "forbidden"
    assert allowed.status_code == 200
    assert client.get("/me", headers={"Authorization": f"Bearer {customer}"}).json() == {
        "username": "bob"
    }
