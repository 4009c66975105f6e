"""Application factory of the user service, started by uvicorn with `--factory`."""

from __future__ import annotations

from fastapi import FastAPI

from common.api.app import create_service_app
from common.dynamodb.models import check_table_reachable, configure_models, make_connection
from common.dynamodb.tables import USERS_TABLE
from common.entities.users import UsersAuditEvent
from common.logging import configure_logging
from common.security.audit import AuditLogger
from common.security.password import PasswordManager
from common.settings import CommonSettings
from common.transactions import TransactionManager
from user_service import SERVICE_NAME, VERSION
from user_service.context import UserContext
from user_service.keys import build_token_manager
from user_service.routes_auth import router as auth_router
from user_service.routes_balance import router as balance_router
from user_service.settings import UserServiceSettings
from user_service.throttle import LoginThrottle


def create_app(
    settings: UserServiceSettings | None = None, common: CommonSettings | None = None
) -> FastAPI:
    """Build the app; raise `SigningKeyError` outside dev and test without a real signing key."""
    common = common or CommonSettings()
    settings = settings or UserServiceSettings()
    configure_logging(SERVICE_NAME, common.log_level, json=common.log_json)
    tokens = build_token_manager(settings, common)
    configure_models(common)
    app = create_service_app(
        service=SERVICE_NAME,
        title="User service",
        description="Accounts, authentication and USD cash balances.",
        version=VERSION,
        settings=common,
        routers=[auth_router, balance_router],
        readiness_check=check_table_reachable(common, USERS_TABLE),
    )
    app.state.service_settings = settings
    app.state.token_manager = tokens
    app.state.user_context = UserContext(
        settings=settings,
        passwords=PasswordManager(settings.argon2),
        tokens=tokens,
        transactions=TransactionManager(make_connection(common)),
        audit=AuditLogger(UsersAuditEvent),
        throttle=LoginThrottle(settings.login_max_failures, settings.login_failure_window_s),
    )
    return app
