"""Errors that carry their HTTP status and a stable machine code, rendered as RFC 9457 problems.

Every 4xx and 5xx body of every service has the media type `application/problem+json` and
the members `type`, `title`, `status`, `detail`, `instance`, plus the extensions `code`
(stable, listed in docs/errors.md) and `request_id`. Validation errors add `errors`, a list
of `{field, message, type}` that never repeats the submitted value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:cnop:problem:"

# JSON Schema of every problem body, declared in the OpenAPI document so that clients and
# the API fuzz tests can validate error responses. Extensions beyond these are allowed.
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "code": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
        "instance": {"type": "string"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message", "type"],
                "properties": {
                    "field": {"type": "string"},
                    "message": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}


class ProblemError(Exception):
    """Base of every error a route may raise on purpose; subclasses fix status, code and title."""

    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    title: ClassVar[str] = "Internal server error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        extensions: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        self.headers = dict(headers or {})
        self.extensions = dict(extensions or {})


class BadRequestError(ProblemError):
    status = 400
    code = "bad_request"
    title = "Bad request"


class InvalidCursorError(BadRequestError):
    code = "invalid_cursor"
    title = "Invalid pagination cursor"


class UnauthorizedError(ProblemError):
    status = 401
    code = "unauthorized"
    title = "Authentication required"

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.headers.setdefault("WWW-Authenticate", "Bearer")


class InvalidCredentialsError(UnauthorizedError):
    code = "invalid_credentials"
    title = "Invalid username or password"


class InvalidTokenError(UnauthorizedError):
    code = "invalid_token"
    title = "Invalid or expired token"

    def __init__(self, detail: str | None = None, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'


class ForbiddenError(ProblemError):
    status = 403
    code = "forbidden"
    title = "Forbidden"


class NotFoundError(ProblemError):
    status = 404
    code = "not_found"
    title = "Not found"


class MethodNotAllowedError(ProblemError):
    status = 405
    code = "method_not_allowed"
    title = "Method not allowed"


class ConflictError(ProblemError):
    status = 409
    code = "conflict"
    title = "Conflict"


class UsernameTakenError(ConflictError):
    code = "username_taken"
    title = "Username already taken"


class EmailTakenError(ConflictError):
    code = "email_taken"
    title = "E-mail address already registered"


class IdempotencyKeyReusedError(ConflictError):
    code = "idempotency_key_reused"
    title = "Idempotency key reused with a different request"


class DuplicateClientOrderIdError(ConflictError):
    code = "duplicate_client_order_id"
    title = "Client order id already used"


class UnprocessableError(ProblemError):
    status = 422
    code = "unprocessable"
    title = "Request cannot be processed"


class ValidationFailedError(UnprocessableError):
    code = "validation_error"
    title = "Request validation failed"


class InsufficientFundsError(UnprocessableError):
    code = "insufficient_funds"
    title = "Insufficient funds"


class InsufficientHoldingError(UnprocessableError):
    code = "insufficient_holding"
    title = "Insufficient asset holding"


class UnknownAssetError(UnprocessableError):
    code = "unknown_asset"
    title = "Unknown asset"


class AssetNotTradingError(UnprocessableError):
    code = "asset_not_trading"
    title = "Asset is not open for trading"


class BelowMinNotionalError(UnprocessableError):
    code = "below_min_notional"
    title = "Order value below the asset's minimum"


class DailyLimitExceededError(UnprocessableError):
    code = "daily_limit_exceeded"
    title = "Daily limit exceeded"


class TooManyRequestsError(ProblemError):
    status = 429
    code = "too_many_requests"
    title = "Too many requests"

    def __init__(self, detail: str | None = None, *, retry_after_s: int, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.headers["Retry-After"] = str(max(1, retry_after_s))


class ServiceUnavailableError(ProblemError):
    status = 503
    code = "service_unavailable"
    title = "Service temporarily unavailable"

    def __init__(self, detail: str | None = None, *, retry_after_s: int = 1, **kwargs: Any) -> None:
        super().__init__(detail, **kwargs)
        self.headers.setdefault("Retry-After", str(retry_after_s))


class PriceUnavailableError(ServiceUnavailableError):
    code = "price_unavailable"
    title = "No current price for the asset"


def problem_body(
    *,
    status: int,
    code: str,
    title: str,
    detail: str,
    instance: str | None,
    request_id: str | None,
    extensions: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Build the JSON object of one problem response."""
    body: dict[str, Any] = {
        "type": f"{PROBLEM_TYPE_PREFIX}{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if instance:
        body["instance"] = instance
    if request_id:
        body["request_id"] = request_id
    if extensions:
        body.update(extensions)
    return body


def problem_example(error: type[ProblemError], detail: str | None = None) -> dict[str, Any]:
    """Return an OpenAPI response entry with the problem schema and an example body."""
    return {
        "description": error.title,
        "content": {
            PROBLEM_MEDIA_TYPE: {
                "schema": PROBLEM_SCHEMA,
                "example": problem_body(
                    status=error.status,
                    code=error.code,
                    title=error.title,
                    detail=detail or error.title,
                    instance=None,
                    request_id="4b9f0e0c7d2a4a55a5bd1f0d5f3d6c11",
                ),
            }
        },
    }


# The two 401 errors that any route behind the bearer-token dependency can return.
BEARER_ERRORS: tuple[type[ProblemError], ...] = (UnauthorizedError, InvalidTokenError)


def problem_responses(*errors: type[ProblemError]) -> dict[int | str, dict[str, Any]]:
    """Map status codes to OpenAPI response entries for a route's `responses=` argument.

    A status with one error gets its example. A status with several gets one named example
    per error code, so the docs show every code a client may have to handle.
    """
    by_status: dict[int, list[type[ProblemError]]] = {}
    for error in errors:
        group = by_status.setdefault(error.status, [])
        if error not in group:
            group.append(error)
    responses: dict[int | str, dict[str, Any]] = {}
    for status, group in by_status.items():
        if len(group) == 1:
            responses[status] = problem_example(group[0])
            continue
        examples = {
            error.code: {
                "summary": error.title,
                "value": problem_example(error)["content"][PROBLEM_MEDIA_TYPE]["example"],
            }
            for error in group
        }
        responses[status] = {
            "description": "; ".join(error.title for error in group),
            "content": {PROBLEM_MEDIA_TYPE: {"schema": PROBLEM_SCHEMA, "examples": examples}},
        }
    return responses


def validation_errors(raw_errors: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Reduce pydantic error entries to field, message and type, dropping the submitted input."""
    reduced = []
    for error in raw_errors:
        kind = str(error.get("type", "value_error"))
        location = [str(part) for part in error.get("loc", ())]
        message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
        if kind == "json_invalid":
            # FastAPI reports the character offset as the location, which names no field.
            location = ["body"]
            reason = (error.get("ctx") or {}).get("error")
            message = f"The request body is not valid JSON: {reason}" if reason else message
        reduced.append({"field": ".".join(location), "message": message, "type": kind})
    return reduced
