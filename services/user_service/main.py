"""Application factory of the user service, started by uvicorn with `--factory`."""

from __future__ import annotations

from fastapi import FastAPI

from common.api.app import create_service_app
from common.dynamodb.models import check_table_reachable, configure_models
from common.dynamodb.tables import USERS_TABLE
from common.logging import configure_logging
from common.security.tokens import verifier_from_settings
from common.settings import CommonSettings
from user_service import SERVICE_NAME, VERSION
from user_service.settings import UserServiceSettings


def create_app(
    settings: UserServiceSettings | None = None, common: CommonSettings | None = None
) -> FastAPI:
    common = common or CommonSettings()
    settings = settings or UserServiceSettings()
    configure_logging(SERVICE_NAME, common.log_level, json=common.log_json)
    configure_models(common)
    app = create_service_app(
        service=SERVICE_NAME,
        title="User service",
        description="Accounts, authentication and USD cash balances.",
        version=VERSION,
        settings=common,
        routers=[],
        readiness_check=check_table_reachable(common, USERS_TABLE),
    )
    app.state.service_settings = settings
    app.state.token_manager = verifier_from_settings(common)
    return app
