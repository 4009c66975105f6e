"""ASGI middleware that assigns the request id, logs each request and records metrics."""

from __future__ import annotations

import re
import time
import uuid

import structlog
from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

HTTP_REQUESTS = Counter(
    "cnop_http_requests_total",
    "HTTP requests handled, by route template and status code.",
    ["service", "method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "cnop_http_request_duration_seconds",
    "Time from receiving a request to sending the last response byte.",
    ["service", "method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)

log = structlog.get_logger("common.http")


def resolve_request_id(raw: str | None) -> str:
    """Keep a caller's request id when it is well formed, or create a new one."""
    if raw and _VALID_REQUEST_ID.match(raw):
        return raw
    return uuid.uuid4().hex


class RequestContextMiddleware:
    """Bind `request_id` to the log context and echo it as `X-Request-ID` on the response."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {key.decode("latin-1").lower(): value for key, value in scope["headers"]}
        raw_id = headers.get(REQUEST_ID_HEADER.lower())
        request_id = resolve_request_id(raw_id.decode("latin-1") if raw_id else None)
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status_code = 500

        async def send_with_request_id(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
                message.setdefault("headers", [])
                message["headers"].append((REQUEST_ID_HEADER.lower().encode(), request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        finally:
            self._record(scope, status_code, time.perf_counter() - started)
            structlog.contextvars.clear_contextvars()

    def _record(self, scope: Scope, status_code: int, elapsed_s: float) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        method = scope["method"]
        HTTP_REQUESTS.labels(self.service, method, template, str(status_code)).inc()
        HTTP_LATENCY.labels(self.service, method, template).observe(elapsed_s)
        if template.startswith(("/health", "/metrics")):
            return
        log.info(
            "http.request",
            method=method,
            route=template,
            path=scope["path"],
            status=status_code,
            duration_ms=round(elapsed_s * 1000, 2),
        )
