"""Application factory of the inventory service, started by uvicorn with `--factory`."""

from __future__ import annotations

from fastapi import FastAPI

from common.api.app import create_service_app
from common.dynamodb.models import check_table_reachable, configure_models
from common.dynamodb.tables import INVENTORY_TABLE
from common.logging import configure_logging
from common.security.tokens import verifier_from_settings
from common.settings import CommonSettings
from inventory_service import SERVICE_NAME, VERSION
from inventory_service.settings import InventoryServiceSettings


def create_app(
    settings: InventoryServiceSettings | None = None, common: CommonSettings | None = None
) -> FastAPI:
    common = common or CommonSettings()
    settings = settings or InventoryServiceSettings()
    configure_logging(SERVICE_NAME, common.log_level, json=common.log_json)
    configure_models(common)
    app = create_service_app(
        service=SERVICE_NAME,
        title="Inventory service",
        description="Asset catalog and current market prices.",
        version=VERSION,
        settings=common,
        routers=[],
        readiness_check=check_table_reachable(common, INVENTORY_TABLE),
    )
    app.state.service_settings = settings
    app.state.token_manager = verifier_from_settings(common)
    return app
