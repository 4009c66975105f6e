"""AuditLogger keeps no secrets; configure_logging writes JSON lines with the request id."""

from __future__ import annotations

import json

import pytest
import structlog

from common.dynamodb.models import entity, make_connection
from common.dynamodb.tables import USERS_TABLE
from common.logging import configure_logging
from common.security.audit import AuditEvent, AuditLogger, scrub
from common.settings import CommonSettings
from common.transactions import TransactionBuilder, TransactionManager
from tests.conftest import unique_name


@entity(USERS_TABLE)
class SampleAuditEvent(AuditEvent):
    class Meta:
        table_name = USERS_TABLE.base_name


def test_scrub_drops_secret_keys() -> None:
    cleaned = scrub(
        {"password": "p", "new_password": "q", "refresh_token": "t", "amount": 5, "ok": True}
    )

    assert cleaned == {"amount": 5, "ok": True}


def test_record_stores_event_without_secrets(tables: CommonSettings) -> None:
    actor = unique_name()

    event = AuditLogger(SampleAuditEvent).record(
        "auth.login", actor=actor, outcome="failure", details={"password": "hunter22", "ip": "x"}
    )

    stored = SampleAuditEvent.get(event.pk, event.sk)
    assert stored.action == "auth.login"
    assert stored.outcome == "failure"
    assert json.loads(stored.details or "{}") == {"ip": "x"}
    assert "hunter22" not in json.dumps(stored.attribute_values)


def test_add_to_commits_with_transaction(tables: CommonSettings) -> None:
    actor = unique_name()
    audit = AuditLogger(SampleAuditEvent)
    builder = TransactionBuilder()

    event = audit.add_to(builder, "balance.deposit", actor=actor, details={"amount": "5.00"})
    TransactionManager(make_connection(tables)).execute(builder)

    assert SampleAuditEvent.get(event.pk, event.sk).subject is None
    assert SampleAuditEvent.count(f"AUDIT#{actor}") == 1


def test_logs_are_json_lines_with_request_id(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("test-service", "INFO", json=True)
    structlog.contextvars.bind_contextvars(request_id="req-1")
    try:
        structlog.get_logger("test").info("order.placed", order_id="o1")
    finally:
        structlog.contextvars.clear_contextvars()

    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["event"] == "order.placed"
    assert line["request_id"] == "req-1"
    assert line["order_id"] == "o1"
    assert line["service"] == "test-service"
    assert line["level"] == "info"
