"""Accounts: registration, profile and password change, each one transaction."""

from __future__ import annotations

import structlog
from pynamodb.exceptions import DoesNotExist

from common.dynamodb.attributes import sortable_time, utc_now
from common.entities.cash import CashBalance
from common.entities.users import EmailClaim, User
from common.errors import (
    EmailTakenError,
    InvalidCredentialsError,
    NotFoundError,
    UsernameTakenError,
)
from common.security.tokens import Role
from common.transactions import TransactionBuilder
from user_service.context import UserContext
from user_service.policy import check_password_policy
from user_service.schemas import PasswordChange, UserCreate, UserUpdate

log = structlog.get_logger(__name__)


def register(ctx: UserContext, data: UserCreate) -> User:
    """Write the user, the e-mail claim and the opening balance in one transaction.

    The `attribute_not_exists` conditions make the username and the e-mail address unique
    even under concurrent registrations: exactly one transaction commits, the rest get 409.
    """
    password = check_password_policy(data.password, ctx.settings, "body.password")
    now = sortable_time(utc_now())
    user = User(
        *User.key_for(data.username),
        username=data.username,
        email=data.email,
        first_name=data.first_name,
        last_name=data.last_name,
        role=Role.CUSTOMER.value,
        password_hash=ctx.passwords.hash(password),
        session_version=0,
        created_at=now,
        updated_at=now,
        password_changed_at=now,
    )
    username_taken = UsernameTakenError(f"The username {data.username!r} is taken; pick another.")
    builder = TransactionBuilder()
    builder.put(
        user,
        condition=User.pk.does_not_exist(),
        on_condition_failed=lambda _reason: username_taken,
    )
    builder.put(
        EmailClaim(*EmailClaim.key_for(data.email), username=data.username, created_at=now),
        condition=EmailClaim.pk.does_not_exist(),
        on_condition_failed=lambda _reason: EmailTakenError(
            "This e-mail address is already registered; log in or use another address."
        ),
    )
    builder.put(
        CashBalance.opening(data.username),
        condition=CashBalance.pk.does_not_exist(),
        on_condition_failed=lambda _reason: username_taken,
    )
    event = ctx.audit.add_to(builder, "auth.register", actor=data.username, subject=data.username)
    ctx.transactions.execute(builder)
    ctx.audit.emit(event)
    return user


def find_user(username: str) -> User | None:
    try:
        return User.get(*User.key_for(username), consistent_read=True)
    except DoesNotExist:
        return None


def get_user(username: str) -> User:
    user = find_user(username)
    if user is None:
        raise NotFoundError("The account of this token no longer exists.")
    return user


def update_profile(ctx: UserContext, username: str, changes: UserUpdate) -> User:
    """Change names and e-mail address; a new address moves its claim in the same transaction."""
    user = get_user(username)
    now = sortable_time(utc_now())
    builder = TransactionBuilder()
    actions = [User.updated_at.set(now)]
    for field, attribute in (("first_name", User.first_name), ("last_name", User.last_name)):
        if field in changes.model_fields_set:
            value = getattr(changes, field)
            actions.append(attribute.set(value) if value is not None else attribute.remove())
    new_email = changes.email if changes.email not in (None, user.email) else None
    if new_email is not None:
        builder.put(
            EmailClaim(*EmailClaim.key_for(new_email), username=username, created_at=now),
            condition=EmailClaim.pk.does_not_exist(),
            on_condition_failed=lambda _reason: EmailTakenError(
                "This e-mail address is already registered to another account."
            ),
        )
        builder.delete(
            EmailClaim(*EmailClaim.key_for(user.email)),
            condition=EmailClaim.username == username,
        )
        actions.append(User.email.set(new_email))
    # The e-mail condition makes a concurrent change of the address a 409, not a lost claim.
    builder.update(User.for_user(username), actions, condition=User.email == user.email)
    fields = sorted(changes.model_fields_set)
    event = ctx.audit.add_to(
        builder,
        "auth.profile_update",
        actor=username,
        subject=username,
        details={"fields": ",".join(fields)},
    )
    ctx.transactions.execute(builder)
    ctx.audit.emit(event)
    return get_user(username)


def change_password(ctx: UserContext, username: str, data: PasswordChange) -> None:
    """Replace the password hash and end every session (refresh token family) of the user.

    A wrong current password counts as a failed login, so a stolen access token cannot be
    used to guess the password faster than the login throttle allows.
    """
    new_password = check_password_policy(data.new_password, ctx.settings, "body.new_password")
    ctx.throttle.reserve_attempt(username)
    user = get_user(username)
    if not ctx.passwords.verify(data.current_password.get_secret_value(), user.password_hash).valid:
        ctx.audit.record(
            "auth.password_change",
            actor=username,
            subject=username,
            outcome="failure",
            details={"reason": "wrong_current_password"},
        )
        raise InvalidCredentialsError("The current password is incorrect.")
    ctx.throttle.reset(username)
    now = sortable_time(utc_now())
    builder = TransactionBuilder()
    builder.update(
        User.for_user(username),
        [
            User.password_hash.set(ctx.passwords.hash(new_password)),
            User.session_version.add(1),
            User.password_changed_at.set(now),
            User.updated_at.set(now),
        ],
        condition=User.password_hash == user.password_hash,
    )
    event = ctx.audit.add_to(builder, "auth.password_change", actor=username, subject=username)
    ctx.transactions.execute(builder)
    ctx.audit.emit(event)
    log.info("auth.sessions_revoked", username=username, reason="password_change")
