"""Opaque list cursors (`next_token`) shared by every list endpoint.

A cursor is URL-safe base64 of a small JSON object, usually the DynamoDB key of the last
item of a page. It carries no secret, so every decoded cursor is checked before use: it
must have exactly the expected attributes, and its partition must be the caller's own, so a
forged cursor neither fails inside DynamoDB (a 500) nor starts a page in another user's
partition. Every failure is a 400 `invalid_cursor`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from common.errors import InvalidCursorError

ItemT = TypeVar("ItemT")
RawKey = dict[str, dict[str, str]]
KeyCheck = Callable[[dict[str, str]], bool]

MAX_CURSOR_LENGTH = 2048
INVALID_CURSOR = (
    "The next_token is not one this list returned; omit it to start from the first page."
)


def encode_token(payload: Mapping[str, Any]) -> str:
    """Encode a JSON-safe mapping as an opaque cursor."""
    text = json.dumps(payload, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_token(token: str) -> dict[str, Any]:
    """Return the JSON object inside a cursor, or raise 400 `invalid_cursor`."""
    if len(token) > MAX_CURSOR_LENGTH:
        raise InvalidCursorError(INVALID_CURSOR)
    try:
        payload = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, UnicodeError, ValueError):
        raise InvalidCursorError(INVALID_CURSOR) from None
    if not isinstance(payload, dict):
        raise InvalidCursorError(INVALID_CURSOR)
    return payload


def encode_key(last_evaluated_key: RawKey | None) -> str | None:
    """Encode DynamoDB's LastEvaluatedKey (string attributes) as a cursor; None at the end."""
    if not last_evaluated_key:
        return None
    return encode_token({name: value["S"] for name, value in last_evaluated_key.items()})


def decode_key(
    token: str, *, fixed: Mapping[str, str], patterns: Mapping[str, re.Pattern[str]]
) -> RawKey:
    """Return the DynamoDB start key of a cursor, or raise 400 `invalid_cursor`.

    `fixed` maps attributes to the only value allowed (the query's partition), `patterns`
    maps the remaining attributes to the shape their values must have.
    """
    decoded = decode_token(token)
    if set(decoded) != set(fixed) | set(patterns):
        raise InvalidCursorError(INVALID_CURSOR)
    for name, value in decoded.items():
        if not isinstance(value, str):
            raise InvalidCursorError(INVALID_CURSOR)
        if name in fixed and value != fixed[name]:
            raise InvalidCursorError(INVALID_CURSOR)
        if name in patterns and not patterns[name].fullmatch(value):
            raise InvalidCursorError(INVALID_CURSOR)
    return {name: {"S": value} for name, value in decoded.items()}


@dataclass(frozen=True)
class CursorSpec:
    """The key attributes of one list's items and the rule that keeps a cursor in bounds."""

    attributes: tuple[str, ...]
    in_bounds: KeyCheck

    def encode(self, item: Any) -> str:
        return encode_token({name: str(getattr(item, name)) for name in self.attributes})

    def decode(self, token: str | None) -> RawKey | None:
        """Return the DynamoDB start key of a cursor, None for no cursor, or raise 400."""
        if token is None:
            return None
        key = decode_token(token)
        if sorted(key) != sorted(self.attributes):
            raise InvalidCursorError(INVALID_CURSOR)
        if not all(isinstance(value, str) for value in key.values()) or not self.in_bounds(key):
            raise InvalidCursorError(INVALID_CURSOR)
        return {name: {"S": value} for name, value in key.items()}


def take_page(
    items: Iterable[ItemT], limit: int, spec: CursorSpec
) -> tuple[list[ItemT], str | None]:
    """Return up to `limit` items and a cursor when more follow.

    The query must ask for `limit + 1` items: the extra one only shows that a next page
    exists, so the last page never ends with a cursor to an empty page.
    """
    iterator: Iterator[ItemT] = iter(items)
    page = [item for _, item in zip(range(limit + 1), iterator, strict=False)]
    if len(page) <= limit:
        return page, None
    page = page[:limit]
    return page, spec.encode(page[-1])
