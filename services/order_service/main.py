"""Application factory of the order service, started by uvicorn with `--factory`."""

from __future__ import annotations

from fastapi import FastAPI

from common.api.app import create_service_app
from common.dynamodb.models import check_table_reachable, configure_models, make_connection
from common.dynamodb.tables import ORDERS_TABLE
from common.logging import configure_logging
from common.security.tokens import verifier_from_settings
from common.settings import CommonSettings
from common.transactions import TransactionManager
from order_service import SERVICE_NAME, VERSION
from order_service.routes_orders import router as orders_router
from order_service.routes_portfolio import assets_router, portfolio_router
from order_service.service import OrderPlacer
from order_service.settings import OrderServiceSettings


def create_app(
    settings: OrderServiceSettings | None = None, common: CommonSettings | None = None
) -> FastAPI:
    common = common or CommonSettings()
    settings = settings or OrderServiceSettings()
    configure_logging(SERVICE_NAME, common.log_level, json=common.log_json)
    configure_models(common)
    app = create_service_app(
        service=SERVICE_NAME,
        title="Order service",
        description="Market orders, asset balances and the portfolio.",
        version=VERSION,
        settings=common,
        routers=[orders_router, portfolio_router, assets_router],
        readiness_check=check_table_reachable(common, ORDERS_TABLE),
    )
    app.state.service_settings = settings
    app.state.token_manager = verifier_from_settings(common)
    manager = TransactionManager(
        make_connection(common), max_attempts=settings.transaction_max_attempts
    )
    app.state.order_placer = OrderPlacer(settings, manager)
    return app
