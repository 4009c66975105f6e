"""AuditLogger: durable audit events in the service's table, mirrored to the log.

Events record who did what to whom and with which outcome. Detail keys that name secrets
are dropped before anything is stored or logged.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import structlog
from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model

from common.dynamodb.attributes import new_id, sortable_time, utc_now
from common.transactions import TransactionBuilder

log = structlog.get_logger("audit")

_SECRET_MARKERS = ("password", "secret", "token", "authorization", "private_key")


class AuditEvent(Model):
    """One audit event; each service subclasses it to bind it to its table."""

    class Meta:
        table_name = "abstract-audit"

    pk = UnicodeAttribute(hash_key=True)  # "AUDIT#<actor>"
    sk = UnicodeAttribute(range_key=True)  # "<created_at>#<event_id>"
    event_id = UnicodeAttribute()
    action = UnicodeAttribute()  # for example "auth.login", "balance.deposit"
    actor = UnicodeAttribute()  # username, or "anonymous"
    subject = UnicodeAttribute(null=True)  # what the action touched: a username, asset id
    outcome = UnicodeAttribute()  # "success" or "failure"
    details = UnicodeAttribute(null=True)  # JSON object without secrets
    request_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()


def scrub(details: Mapping[str, Any] | None) -> dict[str, Any]:
    """Drop keys that look like secrets; keep everything else as JSON-safe text."""
    if not details:
        return {}
    return {
        key: value if isinstance(value, bool | int | str | None) else str(value)
        for key, value in details.items()
        if not any(marker in key.lower() for marker in _SECRET_MARKERS)
    }


class AuditLogger:
    """Write audit events of one service to its table and to the `audit` log."""

    def __init__(self, event_cls: type[AuditEvent]) -> None:
        self.event_cls = event_cls

    def build(
        self,
        action: str,
        *,
        actor: str,
        subject: str | None = None,
        outcome: str = "success",
        details: Mapping[str, Any] | None = None,
    ) -> AuditEvent:
        now = sortable_time(utc_now())
        event_id = new_id()
        context = structlog.contextvars.get_contextvars()
        return self.event_cls(
            f"AUDIT#{actor}",
            f"{now}#{event_id}",
            event_id=event_id,
            action=action,
            actor=actor,
            subject=subject,
            outcome=outcome,
            details=json.dumps(scrub(details), sort_keys=True),
            request_id=context.get("request_id"),
            created_at=now,
        )

    def record(self, action: str, *, actor: str, **kwargs: Any) -> AuditEvent:
        """Store one event on its own and log it."""
        event = self.build(action, actor=actor, **kwargs)
        event.save()
        self.emit(event)
        return event

    def add_to(
        self, builder: TransactionBuilder, action: str, *, actor: str, **kwargs: Any
    ) -> AuditEvent:
        """Add the event to a transaction; call `emit` after the commit succeeds."""
        event = self.build(action, actor=actor, **kwargs)
        builder.put(event, label="AuditEvent")
        return event

    @staticmethod
    def emit(event: AuditEvent) -> None:
        log.info(
            "audit." + event.action,
            audit_event_id=event.event_id,
            actor=event.actor,
            subject=event.subject,
            outcome=event.outcome,
            details=json.loads(event.details or "{}"),
        )
