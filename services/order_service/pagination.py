"""Opaque cursors for the order service's lists, checked against the caller's partition.

A cursor is the key of the last item of a page, as URL-safe base64 of a JSON object. It
carries no secret, so every decoded cursor is checked: it must have exactly the key
attributes of the list it is used on, and those keys must lie inside the caller's
partition (and asset, for per-asset lists). A cursor that fails is a 400 `invalid_cursor`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from common.errors import InvalidCursorError

ItemT = TypeVar("ItemT")

MAX_CURSOR_LENGTH = 2048

KeyCheck = Callable[[dict[str, str]], bool]


@dataclass(frozen=True)
class CursorSpec:
    """The key attributes of one list's items and the rule that keeps a cursor in bounds."""

    attributes: tuple[str, ...]
    in_bounds: KeyCheck

    def encode(self, item: Any) -> str:
        key = {name: str(getattr(item, name)) for name in self.attributes}
        raw = json.dumps(key, separators=(",", ":"), sort_keys=True).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def decode(self, token: str | None) -> dict[str, dict[str, str]] | None:
        """Return the DynamoDB start key of a cursor, None for no cursor, or raise 400."""
        if token is None:
            return None
        key = self._parse(token)
        if key is None or sorted(key) != sorted(self.attributes) or not self.in_bounds(key):
            raise InvalidCursorError("The next_token is not valid for this list; start over.")
        return {name: {"S": value} for name, value in key.items()}

    @staticmethod
    def _parse(token: str) -> dict[str, str] | None:
        if len(token) > MAX_CURSOR_LENGTH:
            return None
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            key = json.loads(raw)
        except (binascii.Error, ValueError):
            return None
        if not isinstance(key, dict):
            return None
        if not all(isinstance(value, str) for value in key.values()):
            return None
        return key


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
