"""The signing key of the user service: loaded from settings, checked before start-up."""

from __future__ import annotations

from datetime import timedelta

import structlog
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from common.security.tokens import TokenManager, generate_keypair
from common.settings import CommonSettings, Environment
from user_service.settings import UserServiceSettings

log = structlog.get_logger(__name__)

_PLACEHOLDER_MARKERS = ("changeme", "change-me", "change_me", "placeholder", "example", "dummy")
_LOCAL_ENVIRONMENTS = (Environment.DEV, Environment.TEST)


class SigningKeyError(RuntimeError):
    """The service cannot start because its signing key is missing or unusable."""


def build_token_manager(settings: UserServiceSettings, common: CommonSettings) -> TokenManager:
    """Return a TokenManager that issues and verifies tokens.

    Without a configured private key, dev and test get a key pair generated for this
    process (other services then cannot verify its tokens); any other environment raises.
    """
    private_pem = settings.private_key_pem()
    if private_pem is None:
        if common.environment not in _LOCAL_ENVIRONMENTS:
            raise SigningKeyError(
                "No JWT signing key: set CNOP_USER_JWT_PRIVATE_KEY_FILE to an Ed25519 PEM file."
            )
        log.warning("tokens.ephemeral_key", environment=common.environment.value)
        private_pem, public_pem = generate_keypair()
    else:
        _reject_placeholder(private_pem)
        public_pem = common.public_key_pem() or _public_pem_of(private_pem)
    return TokenManager(
        issuer=common.jwt_issuer,
        audience=common.jwt_audience,
        public_key_pem=public_pem,
        private_key_pem=private_pem,
        access_token_ttl=timedelta(seconds=settings.access_token_ttl_s),
    )


def _reject_placeholder(private_pem: str) -> None:
    lowered = private_pem.lower()
    if any(marker in lowered for marker in _PLACEHOLDER_MARKERS):
        raise SigningKeyError("The JWT signing key is a placeholder; configure a real Ed25519 key.")
    if "-----begin" not in lowered:
        raise SigningKeyError("The JWT signing key is not a PEM-encoded Ed25519 private key.")


def _public_pem_of(private_pem: str) -> str:
    private_key = serialization.load_pem_private_key(private_pem.encode(), None)
    if not isinstance(private_key, Ed25519PrivateKey):
        raise SigningKeyError("The JWT signing key must be an Ed25519 key.")
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
