"""PynamoDB attributes and key helpers shared by every entity."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pynamodb.attributes import Attribute
from pynamodb.constants import NUMBER

# Fixed-width UTC with microseconds, so that lexical order is time order in sort keys.
SORTABLE_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


class DecimalAttribute(Attribute[Decimal]):
    """A DynamoDB number read and written as `Decimal`.

    PynamoDB's NumberAttribute goes through `json.loads` and returns `float`, which would
    lose cents; this attribute keeps the exact decimal string DynamoDB stores.
    """

    attr_type = NUMBER

    def serialize(self, value: Any) -> str:
        if not isinstance(value, Decimal):
            raise TypeError(f"DecimalAttribute takes Decimal, not {type(value).__name__}")
        if not value.is_finite():
            raise ValueError(f"DecimalAttribute takes a finite number, not {value}")
        return format(value, "f")

    def deserialize(self, value: str) -> Decimal:
        return Decimal(value)


def utc_now() -> datetime:
    return datetime.now(UTC)


def sortable_time(moment: datetime) -> str:
    """Format an aware datetime as fixed-width UTC for use inside a sort key."""
    if moment.tzinfo is None:
        raise ValueError("sortable_time needs an aware datetime")
    return moment.astimezone(UTC).strftime(SORTABLE_TIME_FORMAT)


def parse_sortable_time(text: str) -> datetime:
    return datetime.strptime(text, SORTABLE_TIME_FORMAT).replace(tzinfo=UTC)


def new_id() -> str:
    """Return a random 32-character hex id, unique even for events in the same microsecond."""
    return uuid.uuid4().hex


def epoch_seconds(moment: datetime) -> int:
    """Return whole seconds since the epoch, the format DynamoDB TTL attributes require."""
    return int(moment.timestamp())
