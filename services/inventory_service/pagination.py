"""Opaque list cursors: URL-safe base64 of a small JSON object, validated on the way back."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from common.errors import InvalidCursorError

MAX_CURSOR_LENGTH = 1024


def encode_cursor(payload: dict[str, Any]) -> str:
    text = json.dumps(payload, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(token: str) -> dict[str, Any]:
    """Return the JSON object inside `token`, or raise 400 `invalid_cursor`."""
    if len(token) > MAX_CURSOR_LENGTH:
        raise InvalidCursorError("The next_token is too long; pass the value a list returned.")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(raw)
    except (binascii.Error, ValueError) as error:
        raise InvalidCursorError(
            "The next_token is not one this list returned; omit it to start from the first page."
        ) from error
    if not isinstance(payload, dict):
        raise InvalidCursorError("The next_token is not one this list returned.")
    return payload
