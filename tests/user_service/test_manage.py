"""The operator command that grants and revokes the admin role."""

from __future__ import annotations

import json

import pytest
from pynamodb.exceptions import DoesNotExist

from common.entities.users import User, UsersAuditEvent
from common.security.tokens import Role
from common.settings import CommonSettings
from tests.conftest import unique_name
from user_service import manage


def create_user(username: str) -> None:
    User(
        *User.key_for(username),
        username=username,
        email=f"{username}@example.com",
        role=Role.CUSTOMER.value,
        password_hash="x",
        session_version=3,
        created_at="t",
        updated_at="t",
        password_changed_at="t",
    ).save()


@pytest.fixture
def environment(tables: CommonSettings, monkeypatch: pytest.MonkeyPatch) -> CommonSettings:
    monkeypatch.setenv("CNOP_DYNAMODB_ENDPOINT_URL", tables.dynamodb_endpoint_url or "")
    monkeypatch.setenv("CNOP_TABLE_PREFIX", tables.table_prefix)
    return tables


def test_set_role_grants_admin_and_ends_sessions(environment: CommonSettings) -> None:
    # Given a customer with three earlier password changes
    username = unique_name()
    create_user(username)

    # When an operator makes them an admin
    exit_code = manage.main(["set-role", username.upper(), "admin"])

    # Then the role changed, their refresh sessions ended and an audit event exists
    user = User.get(*User.key_for(username))
    events = list(UsersAuditEvent.query(f"AUDIT#{manage.OPERATOR_ACTOR}"))
    assert exit_code == 0
    assert user.role == "admin"
    assert user.session_version == 4
    assert any(
        event.subject == username and json.loads(event.details or "{}") == {"role": "admin"}
        for event in events
    )


def test_set_role_for_unknown_user_fails(
    environment: CommonSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    username = unique_name()

    exit_code = manage.main(["set-role", username, "admin"])

    assert exit_code == 1
    assert "No account named" in capsys.readouterr().err
    with pytest.raises(DoesNotExist):
        User.get(*User.key_for(username))


def test_set_role_rejects_unknown_role() -> None:
    with pytest.raises(SystemExit):
        manage.main(["set-role", "alice", "superuser"])
