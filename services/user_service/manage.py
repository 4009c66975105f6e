"""Operator commands for accounts, run next to a deployment with its settings.

    python -m user_service.manage set-role alice admin

Changing a role also ends the user's refresh-token sessions, so every token issued from
then on carries the new role. An access token issued before keeps its role until it
expires (CNOP_USER_ACCESS_TOKEN_TTL_S). The change and its audit event are one transaction.
"""

from __future__ import annotations

import argparse
import sys

import structlog

from common.dynamodb.attributes import sortable_time, utc_now
from common.dynamodb.models import configure_models, make_connection
from common.entities.users import User, UsersAuditEvent
from common.errors import NotFoundError
from common.logging import configure_logging
from common.security.audit import AuditLogger
from common.security.tokens import Role
from common.settings import CommonSettings
from common.transactions import TransactionBuilder, TransactionManager

log = structlog.get_logger(__name__)

OPERATOR_ACTOR = "operator"


def set_role(settings: CommonSettings, username: str, role: Role) -> None:
    """Give `username` the role `role` and revoke their sessions, or raise 404."""
    username = username.strip().lower()
    builder = TransactionBuilder()
    builder.update(
        User.for_user(username),
        [
            User.role.set(role.value),
            User.session_version.add(1),
            User.updated_at.set(sortable_time(utc_now())),
        ],
        condition=User.pk.exists(),
        on_condition_failed=lambda _reason: NotFoundError(f"No account named {username!r}."),
        label="User",
    )
    audit = AuditLogger(UsersAuditEvent)
    event = audit.add_to(
        builder,
        "admin.role_changed",
        actor=OPERATOR_ACTOR,
        subject=username,
        details={"role": role.value},
    )
    TransactionManager(make_connection(settings)).execute(builder)
    audit.emit(event)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m user_service.manage", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    role_parser = commands.add_parser("set-role", help="grant or revoke the admin role")
    role_parser.add_argument("username", help="the account's username")
    role_parser.add_argument("role", choices=[role.value for role in Role], help="the new role")
    args = parser.parse_args(argv)

    settings = CommonSettings()
    configure_logging("user-service-manage", settings.log_level, json=settings.log_json)
    configure_models(settings)
    try:
        set_role(settings, args.username, Role(args.role))
    except NotFoundError as error:
        log.error("manage.set_role_failed", username=args.username, error=error.detail)
        print(error.detail, file=sys.stderr)
        return 1
    print(f"{args.username.strip().lower()} now has the role {args.role}; their sessions ended.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
