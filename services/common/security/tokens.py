"""Access tokens: short-lived JWTs signed with Ed25519 (EdDSA) through PyJWT.

The user service holds the private key and issues tokens; the inventory and order services
hold only the public key. Verification pins the algorithm to EdDSA, so neither `alg: none`
nor an HMAC token keyed with the public key is accepted, and it requires `sub`, `role`,
`iss`, `aud`, `iat`, `exp` and `jti`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from jwt.algorithms import OKPAlgorithm

from common.dynamodb.attributes import new_id, utc_now
from common.errors import InvalidTokenError

ALGORITHM = "EdDSA"
REQUIRED_CLAIMS = ("sub", "role", "iss", "aud", "iat", "exp", "jti")


class Role(StrEnum):
    CUSTOMER = "customer"
    ADMIN = "admin"


@dataclass(frozen=True)
class AccessClaims:
    username: str
    role: Role
    token_id: str
    issued_at: datetime
    expires_at: datetime


def generate_keypair() -> tuple[str, str]:
    """Return a new Ed25519 key pair as (private PEM, public PEM)."""
    private_key = Ed25519PrivateKey.generate()
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


class TokenManager:
    """Issue (with the private key) and verify (with the public key) access tokens."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        public_key_pem: str,
        private_key_pem: str | None = None,
        access_token_ttl: timedelta = timedelta(minutes=15),
        leeway: timedelta = timedelta(seconds=10),
    ) -> None:
        public_key = serialization.load_pem_public_key(public_key_pem.encode())
        if not isinstance(public_key, Ed25519PublicKey):
            raise ValueError("the JWT public key must be an Ed25519 key")
        self._public_key = public_key
        self._private_key: Ed25519PrivateKey | None = None
        if private_key_pem is not None:
            private_key = serialization.load_pem_private_key(private_key_pem.encode(), None)
            if not isinstance(private_key, Ed25519PrivateKey):
                raise ValueError("the JWT private key must be an Ed25519 key")
            if private_key.public_key().public_bytes_raw() != public_key.public_bytes_raw():
                raise ValueError("the JWT private key does not match the public key")
            self._private_key = private_key
        self.issuer = issuer
        self.audience = audience
        self.access_token_ttl = access_token_ttl
        self.leeway = leeway
        self.key_id = hashlib.sha256(public_key.public_bytes_raw()).hexdigest()[:16]

    def issue_access_token(self, username: str, role: Role) -> tuple[str, AccessClaims]:
        """Sign a token for `username`; raise if this manager has no private key."""
        if self._private_key is None:
            raise RuntimeError("this TokenManager only verifies; it has no private key")
        issued_at = utc_now().replace(microsecond=0)
        claims = AccessClaims(
            username=username,
            role=role,
            token_id=new_id(),
            issued_at=issued_at,
            expires_at=issued_at + self.access_token_ttl,
        )
        payload = {
            "sub": username,
            "role": role.value,
            "iss": self.issuer,
            "aud": self.audience,
            "iat": int(issued_at.timestamp()),
            "exp": int(claims.expires_at.timestamp()),
            "jti": claims.token_id,
        }
        token = jwt.encode(
            payload, self._private_key, algorithm=ALGORITHM, headers={"kid": self.key_id}
        )
        return token, claims

    def verify_access_token(self, token: str) -> AccessClaims:
        """Return the claims of a valid token or raise `InvalidTokenError` (401)."""
        try:
            payload = jwt.decode(
                token,
                self._public_key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.ExpiredSignatureError as error:
            raise InvalidTokenError("The access token has expired.") from error
        except jwt.PyJWTError as error:
            raise InvalidTokenError("The access token is invalid.") from error
        try:
            role = Role(payload["role"])
        except ValueError as error:
            raise InvalidTokenError("The access token carries an unknown role.") from error
        return AccessClaims(
            username=str(payload["sub"]),
            role=role,
            token_id=str(payload["jti"]),
            issued_at=datetime.fromtimestamp(payload["iat"], tz=utc_now().tzinfo),
            expires_at=datetime.fromtimestamp(payload["exp"], tz=utc_now().tzinfo),
        )

    def jwks(self) -> dict[str, Any]:
        """Return the public key as a JSON Web Key Set for other verifiers."""
        jwk = json.loads(OKPAlgorithm.to_jwk(self._public_key))
        jwk.update({"kid": self.key_id, "alg": ALGORITHM, "use": "sig"})
        return {"keys": [jwk]}


def verifier_from_settings(settings: Any) -> TokenManager | None:
    """Return a verify-only TokenManager from CommonSettings, or None when no key is set."""
    public_pem = settings.public_key_pem()
    if public_pem is None:
        return None
    return TokenManager(
        issuer=settings.jwt_issuer, audience=settings.jwt_audience, public_key_pem=public_pem
    )
