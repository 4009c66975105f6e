"""Liveness, readiness and Prometheus metrics routes."""

from __future__ import annotations

from collections.abc import Callable

import structlog
from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from common.errors import ServiceUnavailableError

log = structlog.get_logger(__name__)

ReadinessCheck = Callable[[], None]


def build_health_router(readiness_check: ReadinessCheck) -> APIRouter:
    """Return `/health/live`, `/health/ready` and `/metrics`.

    `readiness_check` raises when a dependency (the service's table) is unreachable, and
    the readiness route then answers 503 so the load balancer stops sending traffic.
    """
    router = APIRouter(tags=["operations"])

    @router.get("/health/live", summary="Liveness probe")
    def live() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/health/ready", summary="Readiness probe: the service's table answers")
    def ready(request: Request) -> dict[str, str]:
        try:
            readiness_check()
        except Exception as exc:
            log.warning("health.not_ready", error=str(exc), error_type=type(exc).__name__)
            raise ServiceUnavailableError(
                "The service's DynamoDB table is unreachable.", retry_after_s=5
            ) from exc
        return {"status": "ready"}

    @router.get("/metrics", summary="Prometheus metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router
