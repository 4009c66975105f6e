"""Exception handlers that turn every error into an RFC 9457 problem+json response."""

from __future__ import annotations

from typing import Any

import structlog
from botocore.exceptions import BotoCoreError
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pynamodb.exceptions import PynamoDBConnectionError
from starlette.exceptions import HTTPException as StarletteHTTPException

from common.dynamodb.errors import error_code
from common.errors import (
    PROBLEM_MEDIA_TYPE,
    ProblemError,
    ServiceUnavailableError,
    ValidationFailedError,
    problem_body,
    validation_errors,
)
from common.idempotency import REPLAY_HEADER, IdempotentReplay
from common.transactions import RETRYABLE_ERROR_CODES

log = structlog.get_logger(__name__)

_HTTP_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
}


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


def _request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def problem_response(
    request: Request,
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    headers: dict[str, str] | None = None,
    extensions: dict[str, Any] | None = None,
) -> ProblemResponse:
    body = problem_body(
        status=status,
        code=code,
        title=title,
        detail=detail,
        instance=request.url.path,
        request_id=_request_id(request),
        extensions=extensions,
    )
    return ProblemResponse(body, status_code=status, headers=headers)


def _handle_problem(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, ProblemError)
    if exc.status >= 500:
        log.warning("http.problem", status=exc.status, code=exc.code, detail=exc.detail)
    return problem_response(
        request,
        status=exc.status,
        code=exc.code,
        title=exc.title,
        detail=exc.detail,
        headers=exc.headers,
        extensions=exc.extensions,
    )


def _handle_validation(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, RequestValidationError)
    errors = validation_errors(exc.errors())
    fields = ", ".join(error["field"] for error in errors)
    detail = f"Invalid value in: {fields}" if fields else ValidationFailedError.title
    if any(error["type"] == "json_invalid" for error in errors):
        detail = errors[0]["message"]
    return problem_response(
        request,
        status=ValidationFailedError.status,
        code=ValidationFailedError.code,
        title=ValidationFailedError.title,
        detail=detail,
        extensions={"errors": errors},
    )


def _handle_http_exception(request: Request, exc: Exception) -> ProblemResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_STATUS_CODES.get(exc.status_code, "http_error")
    title = code.replace("_", " ").capitalize()
    detail = exc.detail if isinstance(exc.detail, str) else title
    return problem_response(
        request,
        status=exc.status_code,
        code=code,
        title=title,
        detail=detail,
        headers=dict(exc.headers or {}),
    )


def _handle_unexpected(request: Request, exc: Exception) -> ProblemResponse:
    log.error("http.unhandled_error", error_type=type(exc).__name__, exc_info=exc)
    return problem_response(
        request,
        status=500,
        code="internal_error",
        title="Internal server error",
        detail="The server failed to handle the request; the request id identifies it in logs.",
    )


def install_problem_handlers(app: FastAPI) -> None:
    """Register the handlers on an app so that every error body is problem+json."""
    app.add_exception_handler(ProblemError, _handle_problem)
    app.add_exception_handler(IdempotentReplay, _handle_replay)
    app.add_exception_handler(RequestValidationError, _handle_validation)
    app.add_exception_handler(StarletteHTTPException, _handle_http_exception)
    app.add_exception_handler(PynamoDBConnectionError, _handle_database_error)
    app.add_exception_handler(Exception, _handle_unexpected)


def _handle_replay(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, IdempotentReplay)
    log.info("idempotency.replayed", status=exc.status_code)
    return JSONResponse(exc.body, status_code=exc.status_code, headers={REPLAY_HEADER: "true"})


def _handle_database_error(request: Request, exc: Exception) -> ProblemResponse:
    """Return 503 when a DynamoDB read or write failed transiently after botocore's retries.

    Throttling and transport errors (timeouts, resets, refused connections) are worth a
    retry by the client. Any other cause, such as a ValidationException, is a bug and a 500.
    """
    assert isinstance(exc, PynamoDBConnectionError)
    code = error_code(exc)
    if not (isinstance(exc.cause, BotoCoreError) or code in RETRYABLE_ERROR_CODES):
        return _handle_unexpected(request, exc)
    reason = code or type(exc.cause).__name__
    log.warning("dynamodb.unavailable", error_type=type(exc).__name__, reason=reason)
    unavailable = ServiceUnavailableError(
        "The database is busy or unreachable; retry the request (with the same "
        "Idempotency-Key for a money movement)."
    )
    return _handle_problem(request, unavailable)
