"""The DynamoDB error code behind a PynamoDB exception."""

from __future__ import annotations

from botocore.exceptions import ClientError
from pynamodb.exceptions import PynamoDBException


def error_code(error: PynamoDBException) -> str | None:
    """Return the DynamoDB error code of the exception's cause, or None for a transport error.

    Use this rather than PynamoDB's `cause_response_code`, which raises AttributeError (in
    PynamoDB 6.1) when the cause is a transport error such as a reset connection, because
    such an error's `response` attribute is None.
    """
    cause = error.cause
    if isinstance(cause, ClientError):
        code = cause.response.get("Error", {}).get("Code")
        return str(code) if code is not None else None
    return None
