"""Application factory of the inventory service, started by uvicorn with `--factory`."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from common.api.app import create_service_app
from common.dynamodb.models import check_table_reachable, configure_models, make_connection
from common.dynamodb.tables import INVENTORY_TABLE
from common.logging import configure_logging
from common.security.audit import AuditLogger
from common.security.tokens import verifier_from_settings
from common.settings import CommonSettings
from common.transactions import TransactionManager
from inventory_service import SERVICE_NAME, VERSION, routes, routes_admin
from inventory_service.entities import InventoryAuditEvent
from inventory_service.feed import PriceFeed
from inventory_service.providers import build_provider
from inventory_service.settings import InventoryServiceSettings


def create_app(
    settings: InventoryServiceSettings | None = None,
    common: CommonSettings | None = None,
    *,
    live_transport: httpx.BaseTransport | None = None,
) -> FastAPI:
    """Build the app; its price feed thread runs between start-up and shutdown when enabled."""
    common = common or CommonSettings()
    settings = settings or InventoryServiceSettings()
    configure_logging(SERVICE_NAME, common.log_level, json=common.log_json)
    configure_models(common)
    transactions = TransactionManager(make_connection(common))
    feed = PriceFeed(settings, build_provider(settings, live_transport), transactions)

    def start_feed() -> None:
        if settings.price_feed_enabled:
            feed.start()

    app = create_service_app(
        service=SERVICE_NAME,
        title="Inventory service",
        description="Asset catalog, current market prices and price history.",
        version=VERSION,
        settings=common,
        routers=[routes.router, routes_admin.router],
        readiness_check=check_table_reachable(common, INVENTORY_TABLE),
        on_startup=start_feed,
        on_shutdown=feed.stop,
    )
    app.state.service_settings = settings
    app.state.token_manager = verifier_from_settings(common)
    app.state.transactions = transactions
    app.state.audit = AuditLogger(InventoryAuditEvent)
    app.state.price_feed = feed
    return app
