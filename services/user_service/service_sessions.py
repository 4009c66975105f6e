"""Sessions: login, refresh-token rotation with reuse detection, and logout."""

from __future__ import annotations

import structlog
from pynamodb.exceptions import DoesNotExist, UpdateError

from common.dynamodb.attributes import epoch_seconds, sortable_time, utc_now
from common.entities.users import RefreshTokenFamily, User
from common.errors import InvalidCredentialsError, InvalidTokenError
from common.security.refresh import RefreshToken, new_refresh_token, parse_refresh_token
from common.security.tokens import Role
from common.transactions import TransactionBuilder
from user_service.context import UserContext
from user_service.schemas import LoginRequest, TokenPair
from user_service.service_accounts import find_user

log = structlog.get_logger(__name__)

_REVOKED = "The refresh token is revoked or expired; log in again."


def login(ctx: UserContext, data: LoginRequest) -> TokenPair:
    """Check the password and start a session; an unknown user costs one Argon2 check too."""
    username = data.username
    ctx.throttle.reserve_attempt(username)
    user = find_user(username)
    check = ctx.passwords.verify(
        data.password.get_secret_value(), user.password_hash if user else None
    )
    if user is None or not check.valid:
        reason = "unknown_user" if user is None else "wrong_password"
        ctx.audit.record(
            "auth.login", actor=username, outcome="failure", details={"reason": reason}
        )
        raise InvalidCredentialsError("The username or password is incorrect.")
    ctx.throttle.reset(username)
    if check.updated_hash is not None:
        _store_rehash(user, check.updated_hash)
    pair, family_id = start_session(ctx, user)
    ctx.audit.record("auth.login", actor=username, details={"session_id": family_id})
    return pair


def _store_rehash(user: User, new_hash: str) -> None:
    try:
        user.update(
            actions=[User.password_hash.set(new_hash)],
            condition=User.password_hash == user.password_hash,
        )
    except UpdateError as error:
        # The old hash still verifies; the next login retries the upgrade.
        log.warning("auth.rehash_failed", username=user.username, error=str(error))


def start_session(ctx: UserContext, user: User) -> tuple[TokenPair, str]:
    """Create a refresh token family for `user`; return the token pair and the family id."""
    token = new_refresh_token()
    now = utc_now()
    family = RefreshTokenFamily(
        *RefreshTokenFamily.key_for(token.family_id),
        family_id=token.family_id,
        username=user.username,
        session_version=user.session_version,
        current_hash=token.token_hash,
        revoked=False,
        created_at=sortable_time(now),
        updated_at=sortable_time(now),
        expires_at=epoch_seconds(now) + ctx.settings.refresh_token_ttl_s,
    )
    family.save(condition=RefreshTokenFamily.pk.does_not_exist())
    return _token_pair(ctx, user, token), token.family_id


def _token_pair(ctx: UserContext, user: User, refresh: RefreshToken) -> TokenPair:
    access_token, _claims = ctx.tokens.issue_access_token(user.username, Role(user.role))
    return TokenPair(
        access_token=access_token,
        expires_in=ctx.settings.access_token_ttl_s,
        refresh_token=refresh.value,
        refresh_expires_in=ctx.settings.refresh_token_ttl_s,
    )


def _live_family(token: RefreshToken) -> RefreshTokenFamily:
    """Return the token's family when it is neither revoked nor expired; raise 401 otherwise."""
    try:
        family = RefreshTokenFamily.get(
            *RefreshTokenFamily.key_for(token.family_id), consistent_read=True
        )
    except DoesNotExist:
        raise InvalidTokenError("The refresh token is invalid.") from None
    if family.revoked or family.expires_at <= epoch_seconds(utc_now()):
        raise InvalidTokenError(_REVOKED)
    return family


def _check_current(ctx: UserContext, family: RefreshTokenFamily, token: RefreshToken) -> None:
    """Raise 401 unless `token` is the family's current one; revoke the family on reuse."""
    if token.token_hash == family.current_hash:
        return
    if token.token_hash in (family.rotated_hashes or set()):
        _revoke(family, reason="reuse")
        ctx.audit.record(
            "auth.refresh_reuse",
            actor=family.username,
            subject=family.username,
            outcome="failure",
            details={"session_id": family.family_id},
        )
        raise InvalidTokenError("The refresh token was already used; the session is revoked.")
    raise InvalidTokenError("The refresh token is invalid.")


def _revoke(family: RefreshTokenFamily, reason: str) -> None:
    family.update(
        actions=[
            RefreshTokenFamily.revoked.set(True),
            RefreshTokenFamily.revoked_reason.set(reason),
            RefreshTokenFamily.updated_at.set(sortable_time(utc_now())),
        ]
    )
    log.info("auth.session_revoked", session_id=family.family_id, reason=reason)


def refresh(ctx: UserContext, raw_token: str) -> TokenPair:
    """Exchange a refresh token for a new pair; the presented token stops working."""
    token = parse_refresh_token(raw_token)
    family = _live_family(token)
    _check_current(ctx, family, token)
    user = find_user(family.username)
    if user is None or user.session_version != family.session_version:
        raise InvalidTokenError("The session ended with a password change; log in again.")
    successor = new_refresh_token(family.family_id)
    now = utc_now()
    builder = TransactionBuilder()
    # Of two concurrent refreshes with one token, the condition lets exactly one rotate.
    builder.update(
        RefreshTokenFamily(*RefreshTokenFamily.key_for(family.family_id)),
        [
            RefreshTokenFamily.current_hash.set(successor.token_hash),
            RefreshTokenFamily.rotated_hashes.add({token.token_hash}),
            RefreshTokenFamily.updated_at.set(sortable_time(now)),
            RefreshTokenFamily.expires_at.set(
                epoch_seconds(now) + ctx.settings.refresh_token_ttl_s
            ),
        ],
        condition=(RefreshTokenFamily.current_hash == token.token_hash)
        & (RefreshTokenFamily.revoked == False),  # noqa: E712 - a DynamoDB condition
        on_condition_failed=lambda _reason: InvalidTokenError(_REVOKED),
    )
    # A password change that commits between the read above and this write still wins.
    builder.condition_check(
        User,
        *User.key_for(user.username),
        condition=User.session_version == family.session_version,
        on_condition_failed=lambda _reason: InvalidTokenError(_REVOKED),
    )
    ctx.transactions.execute(builder)
    return _token_pair(ctx, user, successor)


def logout(ctx: UserContext, raw_token: str) -> None:
    """Revoke the session (token family) that `raw_token` belongs to."""
    token = parse_refresh_token(raw_token)
    family = _live_family(token)
    _check_current(ctx, family, token)
    _revoke(family, reason="logout")
    ctx.audit.record(
        "auth.logout",
        actor=family.username,
        subject=family.username,
        details={"session_id": family.family_id},
    )
