"""Opaque list cursors: DynamoDB's LastEvaluatedKey as base64url JSON, checked on the way back.

A decoded cursor must name exactly the expected key attributes, with the partition values
of the caller's own query and sort keys of the listed item type, so a forged cursor can
neither fail inside DynamoDB (a 500) nor start a page in another user's partition.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Any

from common.errors import InvalidCursorError

RawKey = dict[str, dict[str, str]]

_INVALID = "The next_token is not one this list returned; start again without it."


def encode_cursor(last_evaluated_key: RawKey | None) -> str | None:
    if not last_evaluated_key:
        return None
    flat = {name: value["S"] for name, value in sorted(last_evaluated_key.items())}
    text = json.dumps(flat, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(text).decode().rstrip("=")


def decode_cursor(
    token: str, *, fixed: Mapping[str, str], patterns: Mapping[str, re.Pattern[str]]
) -> RawKey:
    """Return the raw key of `token`, or raise 400 `invalid_cursor`.

    `fixed` maps attributes to the only value allowed (the query's partition), `patterns`
    maps the remaining attributes to the shape their values must have.
    """
    decoded = _decode_json(token)
    expected = set(fixed) | set(patterns)
    if not isinstance(decoded, dict) or set(decoded) != expected:
        raise InvalidCursorError(_INVALID)
    for name, value in decoded.items():
        if not isinstance(value, str):
            raise InvalidCursorError(_INVALID)
        if name in fixed and value != fixed[name]:
            raise InvalidCursorError(_INVALID)
        if name in patterns and not patterns[name].fullmatch(value):
            raise InvalidCursorError(_INVALID)
    return {name: {"S": value} for name, value in decoded.items()}


def _decode_json(token: str) -> Any:
    try:
        padded = token + "=" * (-len(token) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (binascii.Error, UnicodeError, ValueError):
        raise InvalidCursorError(_INVALID) from None
