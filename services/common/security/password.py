"""PasswordManager: Argon2id hashes through pwdlib, with a timing guard for unknown users.

A login for a username that does not exist still runs one Argon2 verification, against a
hash computed at start-up with the same parameters, so that an unknown user and a wrong
password take the same time and an attacker cannot probe which usernames exist.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import structlog
from pwdlib import PasswordHash
from pwdlib.exceptions import PwdlibError
from pwdlib.hashers.argon2 import Argon2Hasher

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class Argon2Parameters:
    """Argon2id cost parameters; the defaults are argon2-cffi 25.1's (RFC 9106 low-memory)."""

    time_cost: int = 3
    memory_cost_kib: int = 65536
    parallelism: int = 4


@dataclass(frozen=True)
class PasswordCheck:
    """The outcome of a verification: `valid`, and a new hash when the parameters changed."""

    valid: bool
    updated_hash: str | None = None


class PasswordManager:
    """Hash and verify passwords; verify an unknown user against a dummy hash of equal cost."""

    def __init__(self, parameters: Argon2Parameters | None = None) -> None:
        parameters = parameters or Argon2Parameters()
        self._hasher = PasswordHash(
            (
                Argon2Hasher(
                    time_cost=parameters.time_cost,
                    memory_cost=parameters.memory_cost_kib,
                    parallelism=parameters.parallelism,
                ),
            )
        )
        self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(32))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password: str, password_hash: str | None) -> PasswordCheck:
        """Verify `password` against a stored hash, or against the dummy hash when it is None.

        A stored hash made with other Argon2 parameters comes back re-hashed in
        `updated_hash`, so the caller can store it. A corrupt stored hash counts as a
        mismatch and is logged, never raised, so the caller still returns 401.
        """
        if password_hash is None:
            self._hasher.verify(password, self._dummy_hash)
            return PasswordCheck(valid=False)
        try:
            valid, updated_hash = self._hasher.verify_and_update(password, password_hash)
        except PwdlibError as error:
            log.error("password.hash_unreadable", error_type=type(error).__name__)
            self._hasher.verify(password, self._dummy_hash)
            return PasswordCheck(valid=False)
        return PasswordCheck(valid=valid, updated_hash=updated_hash)
