"""The collaborators every user-service operation needs, built once per app."""

from __future__ import annotations

from dataclasses import dataclass

from common.security.audit import AuditLogger
from common.security.password import PasswordManager
from common.security.tokens import TokenManager
from common.transactions import TransactionManager
from user_service.settings import UserServiceSettings
from user_service.throttle import LoginThrottle


@dataclass(frozen=True)
class UserContext:
    settings: UserServiceSettings
    passwords: PasswordManager
    tokens: TokenManager
    transactions: TransactionManager
    audit: AuditLogger
    throttle: LoginThrottle
