"""Factory that gives every service the same middleware, error format, health and docs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import structlog
from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware

from common.api.health import ReadinessCheck, build_health_router
from common.api.middleware import REQUEST_ID_HEADER, RequestContextMiddleware
from common.api.problems import install_problem_handlers
from common.errors import PROBLEM_MEDIA_TYPE, PROBLEM_SCHEMA
from common.settings import CommonSettings

log = structlog.get_logger(__name__)

API_PREFIX = "/api/v1"


def create_service_app(
    *,
    service: str,
    title: str,
    description: str,
    version: str,
    settings: CommonSettings,
    routers: Sequence[APIRouter],
    readiness_check: ReadinessCheck,
    on_startup: Callable[[], None] | None = None,
    on_shutdown: Callable[[], None] | None = None,
) -> FastAPI:
    """Build a FastAPI app with request ids, JSON logs, problem+json errors, CORS and health."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if on_startup is not None:
            on_startup()
        log.info("service.started", version=version, environment=settings.environment.value)
        try:
            yield
        finally:
            if on_shutdown is not None:
                on_shutdown()
            log.info("service.stopped")

    app = FastAPI(title=title, description=description, version=version, lifespan=lifespan)
    app.state.settings = settings
    install_problem_handlers(app)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST", "PATCH", "PUT", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", REQUEST_ID_HEADER],
        expose_headers=[REQUEST_ID_HEADER, "Retry-After", "Idempotent-Replayed"],
        max_age=600,
    )
    # Added last so that it wraps CORS too and every response carries the request id.
    app.add_middleware(RequestContextMiddleware, service=service)
    app.include_router(build_health_router(readiness_check))
    # Routers carry their full path prefix (for example API_PREFIX + "/balance"), so that
    # route templates in metrics and logs are the public paths.
    for router in routers:
        app.include_router(router)
    _document_validation_problems(app)
    return app


def _document_validation_problems(app: FastAPI) -> None:
    """Declare FastAPI's automatic 422 responses as the problem+json our handler sends.

    FastAPI documents request validation failures as `application/json` with its own
    `HTTPValidationError` body, but `install_problem_handlers` returns them as problem+json.
    """
    build_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build_openapi()
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                response = operation.get("responses", {}).get("422")
                if response is not None and "application/json" in response.get("content", {}):
                    response["description"] = "Request validation failed"
                    response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_SCHEMA}}
        schema.get("components", {}).get("schemas", {}).pop("HTTPValidationError", None)
        schema.get("components", {}).get("schemas", {}).pop("ValidationError", None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
