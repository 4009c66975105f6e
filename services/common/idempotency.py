"""API idempotency for money-moving POSTs, stored in DynamoDB with a TTL.

A request with an `Idempotency-Key` header writes an idempotency record inside the same
`TransactWriteItems` as its effect, under the condition that no live record with that key
exists. So of two requests with one key, exactly one commits. The other reads the record
and either replays the stored response (same request fingerprint) or gets a 409
`idempotency_key_reused` (different fingerprint). Records live `retention` (at least 24
hours) and expire through DynamoDB TTL; reads ignore records past their expiry because TTL
deletion can lag.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Header
from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import CancellationReason, DoesNotExist
from pynamodb.models import Model

from common.dynamodb.attributes import epoch_seconds, sortable_time, utc_now
from common.errors import IdempotencyKeyReusedError
from common.transactions import TransactionBuilder, TransactionConditionFailedError

IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
MIN_RETENTION = timedelta(hours=24)

IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias=IDEMPOTENCY_KEY_HEADER,
        min_length=1,
        max_length=255,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description="Client-chosen key (letters, digits, `_.:-`, up to 255 characters). A "
        "repeat with the same body within 24 hours replays the first response; the same key "
        "with another body is a 409.",
    ),
]


class IdempotencyRecord(Model):
    """Stored first response of an idempotent request; each service subclasses it per table."""

    class Meta:
        table_name = "abstract-idempotency"

    pk = UnicodeAttribute(hash_key=True)  # "IDEMPOTENCY#<scope>#<username>#<key>"
    sk = UnicodeAttribute(range_key=True)  # "IDEMPOTENCY"
    request_fingerprint = UnicodeAttribute()
    status_code = NumberAttribute()
    response_body = UnicodeAttribute()  # the JSON text that was sent
    created_at = UnicodeAttribute()
    expires_at = NumberAttribute()  # epoch seconds, the table's TTL attribute


class IdempotentReplay(Exception):  # noqa: N818 - a control-flow signal, not a failure
    """Raised to replay a stored response, which the app sends unchanged."""

    def __init__(self, status_code: int, body: Any) -> None:
        super().__init__(f"replay of a stored {status_code} response")
        self.status_code = status_code
        self.body = body


def request_fingerprint(operation: str, payload: Mapping[str, Any]) -> str:
    """Hash an operation name and its validated payload; equal amounts hash equally."""
    canonical = json.dumps(
        {"operation": operation, "payload": _canonical(payload)},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, Mapping):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value


@dataclass(frozen=True)
class IdempotentRequest:
    """One request's idempotency key in one scope (for example `deposit` of one user)."""

    record_cls: type[IdempotencyRecord]
    scope: str
    username: str
    key: str
    fingerprint: str
    retention: timedelta = MIN_RETENTION

    @property
    def partition_key(self) -> str:
        return f"IDEMPOTENCY#{self.scope}#{self.username}#{self.key}"

    def replay_if_recorded(self) -> None:
        """Raise `IdempotentReplay` or a 409 when a live record exists; return otherwise."""
        try:
            record = self.record_cls.get(self.partition_key, "IDEMPOTENCY", consistent_read=True)
        except DoesNotExist:
            return
        self._answer_from(record)

    def add_record(self, builder: TransactionBuilder, status_code: int, body: Any) -> None:
        """Add the record write to a transaction, first, so that a replay wins over other errors."""
        now = utc_now()
        record = self.record_cls(
            self.partition_key,
            "IDEMPOTENCY",
            request_fingerprint=self.fingerprint,
            status_code=status_code,
            response_body=json.dumps(body, separators=(",", ":")),
            created_at=sortable_time(now),
            expires_at=epoch_seconds(now + max(self.retention, MIN_RETENTION)),
        )
        expired = self.record_cls.expires_at < epoch_seconds(now)
        builder.put(
            record,
            condition=self.record_cls.pk.does_not_exist() | expired,
            on_condition_failed=self._on_conflict,
            label="IdempotencyRecord",
        )

    def _on_conflict(self, reason: CancellationReason) -> Exception:
        if reason.raw_item:
            record = self.record_cls.from_raw_data(reason.raw_item)
        else:
            record = self.record_cls.get(self.partition_key, "IDEMPOTENCY", consistent_read=True)
        try:
            self._answer_from(record)
        except (IdempotentReplay, IdempotencyKeyReusedError) as outcome:
            return outcome
        # The record expired between DynamoDB's condition check and this read.
        return TransactionConditionFailedError(
            "The request raced with an expiring idempotency record; retry it."
        )

    def _answer_from(self, record: IdempotencyRecord) -> None:
        if record.expires_at < epoch_seconds(utc_now()):
            return
        if record.request_fingerprint != self.fingerprint:
            raise IdempotencyKeyReusedError(
                f"Idempotency-Key {self.key!r} was already used with a different request; "
                "use a new key for a new request."
            )
        raise IdempotentReplay(int(record.status_code), json.loads(record.response_body))
