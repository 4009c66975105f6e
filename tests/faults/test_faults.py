"""Fault injection on DynamoDB Local: the TransactionManager's retries under real faults."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from botocore.awsrequest import AWSPreparedRequest
from botocore.exceptions import ConnectionClosedError, ReadTimeoutError
from pydantic import ValidationError
from pynamodb.exceptions import GetError, PutError, QueryError

from common.dynamodb.models import configure_models, make_connection
from common.entities.cash import CashBalance, CashTransaction
from common.errors import ServiceUnavailableError
from common.faults import FaultInjector, FaultKind, FaultRule, FaultSpec, injector_for
from common.settings import CommonSettings, Environment
from common.transactions import TransactionManager
from tests.common.test_transactions import open_account, withdrawal
from tests.conftest import unique_name


def spec(*rules: dict[str, Any], seed: int = 7) -> FaultSpec:
    return FaultSpec.model_validate({"seed": seed, "rules": list(rules)})


def with_faults(settings: CommonSettings, fault_spec: FaultSpec) -> CommonSettings:
    return settings.model_copy(update={"fault_injection": fault_spec})


def balance_of(username: str) -> Decimal:
    return CashBalance.get(*CashBalance.key_for(username), consistent_read=True).amount


def ledger_size(username: str) -> int:
    entries = CashTransaction.query(f"USER#{username}", CashTransaction.sk.startswith("TXN#"))
    return len(list(entries))


def test_first_attempt_conflict_commits_once(tables: CommonSettings) -> None:
    # Given every transaction's first attempt is cancelled with TransactionConflict
    username = unique_name()
    open_account(username, "100.00")
    conflict = {"operations": ["TransactWriteItems"], "kind": "transaction_conflict"}
    fault_spec = spec({**conflict, "first_attempt_only": True})
    delays: list[float] = []
    manager = TransactionManager(
        make_connection(with_faults(tables, fault_spec)), sleep=delays.append
    )

    # When one withdrawal is executed
    manager.execute(withdrawal(username, Decimal("25.00")))

    # Then it was retried once and applied once
    assert injector_for(fault_spec).injected == {
        ("TransactWriteItems", FaultKind.TRANSACTION_CONFLICT): 1
    }
    assert len(delays) == 1
    assert balance_of(username) == Decimal("75")
    assert ledger_size(username) == 1


def test_throttling_on_every_attempt_is_503(tables: CommonSettings) -> None:
    username = unique_name()
    open_account(username, "100.00")
    fault_spec = spec({"operations": ["TransactWriteItems"], "kind": "throttling"})
    manager = TransactionManager(
        make_connection(with_faults(tables, fault_spec)), max_attempts=3, sleep=lambda _s: None
    )

    with pytest.raises(ServiceUnavailableError):
        manager.execute(withdrawal(username, Decimal("25.00")))

    assert injector_for(fault_spec).injected[("TransactWriteItems", FaultKind.THROTTLING)] == 3
    assert balance_of(username) == Decimal("100")
    assert ledger_size(username) == 0


def test_throughput_exceeded_is_503(tables: CommonSettings) -> None:
    username = unique_name()
    open_account(username, "100.00")
    fault_spec = spec(
        {"operations": ["TransactWriteItems"], "kind": "provisioned_throughput_exceeded"}
    )
    manager = TransactionManager(
        make_connection(with_faults(tables, fault_spec)), max_attempts=2, sleep=lambda _s: None
    )

    with pytest.raises(ServiceUnavailableError):
        manager.execute(withdrawal(username, Decimal("1.00")))

    assert balance_of(username) == Decimal("100")


def test_lost_response_applies_once(tables: CommonSettings) -> None:
    # Given the first attempt reaches DynamoDB and commits, but its response is lost
    username = unique_name()
    open_account(username, "100.00")
    fault_spec = spec(
        {"operations": ["TransactWriteItems"], "kind": "lost_response", "max_faults": 1}
    )
    connection = make_connection(with_faults(tables, fault_spec))
    tokens: list[str] = []
    connection.client.meta.events.register(
        "before-send.dynamodb.TransactWriteItems",
        lambda request, **_: tokens.append(json.loads(request.body)["ClientRequestToken"]),
    )
    manager = TransactionManager(connection, sleep=lambda _s: None)

    # When the manager retries after the read timeout
    manager.execute(withdrawal(username, Decimal("30.00")))

    # Then both attempts carried one token and the withdrawal applied once
    assert len(tokens) == 2
    assert tokens[0] == tokens[1]
    assert injector_for(fault_spec).injected[("TransactWriteItems", FaultKind.LOST_RESPONSE)] == 1
    assert balance_of(username) == Decimal("70")
    assert ledger_size(username) == 1


def test_read_timeout_applies_once(tables: CommonSettings) -> None:
    username = unique_name()
    open_account(username, "100.00")
    fault_spec = spec(
        {"operations": ["TransactWriteItems"], "kind": "read_timeout", "max_faults": 2}
    )
    delays: list[float] = []
    manager = TransactionManager(
        make_connection(with_faults(tables, fault_spec)), sleep=delays.append
    )

    manager.execute(withdrawal(username, Decimal("10.00")))

    assert len(delays) == 2
    assert balance_of(username) == Decimal("90")
    assert ledger_size(username) == 1


def test_model_reads_get_connection_reset(tables: CommonSettings) -> None:
    # Given models configured with faults on GetItem
    username = unique_name()
    open_account(username, "5.00")
    fault_spec = spec({"operations": ["GetItem"], "kind": "connection_reset"})
    configure_models(with_faults(tables, fault_spec))

    # When a model reads, then the botocore transport error surfaces
    with pytest.raises(GetError) as raised:
        CashBalance.get(*CashBalance.key_for(username))

    assert isinstance(raised.value.cause, ConnectionClosedError)


def test_model_queries_get_throughput_errors(tables: CommonSettings) -> None:
    fault_spec = spec({"operations": ["Query"], "kind": "provisioned_throughput_exceeded"})
    configure_models(with_faults(tables, fault_spec))

    with pytest.raises(QueryError) as raised:
        list(CashTransaction.query("USER#nobody"))

    assert raised.value.cause_response_code == "ProvisionedThroughputExceededException"


def test_single_item_conflict_exception(tables: CommonSettings) -> None:
    fault_spec = spec({"operations": ["*"], "kind": "transaction_conflict"})
    configure_models(with_faults(tables, fault_spec))

    with pytest.raises(PutError) as raised:
        CashBalance.opening(unique_name()).save()

    assert raised.value.cause_response_code == "TransactionConflictException"


def test_other_operations_pass_untouched(tables: CommonSettings) -> None:
    username = unique_name()
    fault_spec = spec({"operations": ["Query"], "kind": "throttling"})
    configure_models(with_faults(tables, fault_spec))

    open_account(username, "3.00")

    assert balance_of(username) == Decimal("3")
    assert injector_for(fault_spec).injected == {}


def test_faults_are_off_by_default() -> None:
    assert CommonSettings().fault_injection is None


@pytest.mark.parametrize("environment", [Environment.PROD, Environment.DEV])
def test_faults_rejected_outside_test(environment: Environment) -> None:
    fault_spec = spec({"operations": ["GetItem"], "kind": "throttling"})

    with pytest.raises(ValidationError, match="only with CNOP_ENVIRONMENT=test"):
        CommonSettings(environment=environment, fault_injection=fault_spec)


def test_faults_read_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CNOP_ENVIRONMENT", "test")
    monkeypatch.setenv(
        "CNOP_FAULT_INJECTION",
        '{"seed": 3, "rules": [{"operations": ["GetItem"], "kind": "read_timeout", "rate": 0.5}]}',
    )

    settings = CommonSettings()

    assert settings.fault_injection is not None
    assert settings.fault_injection.seed == 3
    assert settings.fault_injection.rules[0].kind is FaultKind.READ_TIMEOUT
    assert settings.fault_injection.rules[0].rate == 0.5


def test_first_attempt_only_needs_transact_write() -> None:
    with pytest.raises(ValidationError, match="first_attempt_only"):
        FaultRule(operations=("GetItem",), kind=FaultKind.THROTTLING, first_attempt_only=True)


def fake_request(operation: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    request = AWSPreparedRequest(
        method="POST",
        url="http://127.0.0.1:1",
        headers={},
        body=json.dumps(body or {}).encode(),
        stream_output=False,
    )
    return {"request": request, "event_name": f"before-send.dynamodb.{operation}"}


def decisions(injector: FaultInjector, count: int) -> list[bool]:
    outcomes = []
    for _ in range(count):
        try:
            outcomes.append(injector.before_send(**fake_request("GetItem")) is not None)
        except ReadTimeoutError:
            outcomes.append(True)
    return outcomes


def test_same_seed_gives_same_decisions() -> None:
    fault_spec = spec({"operations": ["GetItem"], "kind": "read_timeout", "rate": 0.5}, seed=11)

    first = decisions(FaultInjector(fault_spec), 40)
    second = decisions(FaultInjector(fault_spec), 40)

    assert first == second
    assert 0 < sum(first) < 40


def test_max_faults_caps_injections() -> None:
    injector = FaultInjector(
        spec({"operations": ["GetItem"], "kind": "throttling", "max_faults": 2})
    )

    outcomes = decisions(injector, 5)

    assert outcomes == [True, True, False, False, False]


def test_conflict_reasons_match_item_count() -> None:
    conflict = {"operations": ["TransactWriteItems"], "kind": "transaction_conflict"}
    injector = FaultInjector(spec(conflict))
    body = {"TransactItems": [{}, {}, {}], "ClientRequestToken": "t1"}

    response = injector.before_send(**fake_request("TransactWriteItems", body))

    assert response is not None
    reasons = json.loads(response.content)["CancellationReasons"]
    assert len(reasons) == 3
    assert [reason["Code"] for reason in reasons].count("TransactionConflict") == 1


def test_unparsable_body_still_matches() -> None:
    injector = FaultInjector(spec({"operations": ["GetItem"], "kind": "throttling"}))
    request = fake_request("GetItem")
    request["request"].body = b"not json"

    response = injector.before_send(**request)

    assert response is not None
    assert response.status_code == 400
