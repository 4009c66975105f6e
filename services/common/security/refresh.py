"""Opaque refresh tokens: `<family_id>.<secret>`, stored only as a SHA-256 hash.

A login starts a token family; every refresh replaces the family's current token with a
new one (rotation). The store keeps the hashes of rotated tokens, so presenting one of
them again is recognised as reuse of a stolen token and revokes the whole family. The
secret carries 256 random bits, so a plain hash (no salt, no slow KDF) is enough to make
a leaked table useless.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from common.dynamodb.attributes import new_id
from common.errors import InvalidTokenError

_TOKEN_PATTERN = re.compile(r"^(?P<family>[0-9a-f]{32})\.(?P<secret>[A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class RefreshToken:
    family_id: str
    value: str

    @property
    def token_hash(self) -> str:
        return hash_refresh_token(self.value)


def hash_refresh_token(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_refresh_token(family_id: str | None = None) -> RefreshToken:
    """Return a fresh token in `family_id`, or in a new family when it is None."""
    family_id = family_id or new_id()
    return RefreshToken(family_id, f"{family_id}.{secrets.token_urlsafe(32)}")


def parse_refresh_token(value: str) -> RefreshToken:
    """Return the token's parts, or raise 401 `invalid_token` when it is malformed."""
    match = _TOKEN_PATTERN.match(value)
    if match is None:
        raise InvalidTokenError("The refresh token is invalid.")
    return RefreshToken(match.group("family"), value)
