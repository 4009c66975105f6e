"""Accounts, sessions, login throttling and daily cash counters in the users table.

Every item here belongs to the user service. Uniqueness of usernames and e-mail addresses
rests on `attribute_not_exists` conditions of the registration transaction: the user item
is keyed by the canonical username, and a separate claim item is keyed by the canonical
e-mail address.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from pynamodb.attributes import (
    BooleanAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from common.dynamodb.attributes import DecimalAttribute, epoch_seconds
from common.dynamodb.models import entity
from common.dynamodb.tables import USERS_TABLE
from common.entities.cash import CashTransaction, user_partition
from common.idempotency import IdempotencyRecord
from common.security.audit import AuditEvent


@entity(USERS_TABLE)
class User(Model):
    """An account: `pk = USER#<username>`, `sk = PROFILE`.

    `session_version` grows by one on every password change; a refresh token family
    carries the version it was created under and stops working once they differ.
    """

    class Meta:
        table_name = USERS_TABLE.base_name

    SORT_KEY = "PROFILE"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    username = UnicodeAttribute()  # canonical lower case
    email = UnicodeAttribute()  # canonical lower case
    first_name = UnicodeAttribute(null=True)
    last_name = UnicodeAttribute(null=True)
    role = UnicodeAttribute()
    password_hash = UnicodeAttribute()  # Argon2id PHC string
    session_version = NumberAttribute(default=0)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    password_changed_at = UnicodeAttribute()

    @classmethod
    def key_for(cls, username: str) -> tuple[str, str]:
        return user_partition(username), cls.SORT_KEY

    @classmethod
    def for_user(cls, username: str) -> User:
        """Return an instance carrying only the key, for use in transaction updates."""
        return cls(*cls.key_for(username))


@entity(USERS_TABLE)
class EmailClaim(Model):
    """Reservation of one e-mail address: `pk = EMAIL#<email>`, `sk = EMAIL`."""

    class Meta:
        table_name = USERS_TABLE.base_name

    SORT_KEY = "EMAIL"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    username = UnicodeAttribute()
    created_at = UnicodeAttribute()

    @classmethod
    def key_for(cls, email: str) -> tuple[str, str]:
        return f"EMAIL#{email}", cls.SORT_KEY


@entity(USERS_TABLE)
class RefreshTokenFamily(Model):
    """One login session: `pk = REFRESH#<family_id>`, `sk = REFRESH`.

    Only hashes are stored: `current_hash` is the one token that may be used next, and
    `rotated_hashes` are the tokens already exchanged, whose reuse revokes the family.
    `expires_at` (epoch seconds, the table's TTL attribute) moves forward on each rotation.
    """

    class Meta:
        table_name = USERS_TABLE.base_name

    SORT_KEY = "REFRESH"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    family_id = UnicodeAttribute()
    username = UnicodeAttribute()
    session_version = NumberAttribute()
    current_hash = UnicodeAttribute()
    rotated_hashes = UnicodeSetAttribute(null=True)
    revoked = BooleanAttribute(default=False)
    revoked_reason = UnicodeAttribute(null=True)  # "logout" or "reuse"
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    expires_at = NumberAttribute()

    @classmethod
    def key_for(cls, family_id: str) -> tuple[str, str]:
        return f"REFRESH#{family_id}", cls.SORT_KEY


@entity(USERS_TABLE)
class LoginFailureCounter(Model):
    """Failed logins of one username in one fixed window.

    `pk = LOGIN#<username>`, `sk = FAILURES#<window start, epoch seconds>`. Replicas add to
    it atomically, so the count holds across replicas; TTL removes old windows.
    """

    class Meta:
        table_name = USERS_TABLE.base_name

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    failures = NumberAttribute(default=0)
    expires_at = NumberAttribute()

    @classmethod
    def key_for(cls, username: str, window_start: int) -> tuple[str, str]:
        return f"LOGIN#{username}", f"FAILURES#{window_start}"


@entity(USERS_TABLE)
class DailyCashCounter(Model):
    """The USD total of one user's deposits or withdrawals on one UTC day.

    `pk = USER#<username>`, `sk = DAILY#<deposit|withdrawal>#<YYYY-MM-DD>`. The deposit and
    withdrawal transactions add to it under the condition that the limit still holds.
    """

    class Meta:
        table_name = USERS_TABLE.base_name

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    total = DecimalAttribute(null=True)
    expires_at = NumberAttribute(null=True)

    @classmethod
    def for_day(cls, username: str, kind: str, day: date) -> DailyCashCounter:
        return cls(user_partition(username), f"DAILY#{kind}#{day.isoformat()}")

    @staticmethod
    def expiry_for(day: date) -> int:
        """Return the TTL of a day's counter: two days after the day ends, in epoch seconds."""
        day_start = datetime.combine(day, time(), tzinfo=UTC)
        return epoch_seconds(day_start + timedelta(days=3))


class CashTransactionTypeIndex(GlobalSecondaryIndex["CashTransactionsByType"]):
    """GSI1 over ledger entries: one user's entries of one type, by time."""

    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


@entity(USERS_TABLE)
class CashTransactionsByType(CashTransaction):
    """The cash ledger entry model with GSI1 declared, for listing one type of entry."""

    class Meta:
        table_name = USERS_TABLE.base_name

    by_type = CashTransactionTypeIndex()


@entity(USERS_TABLE)
class UsersIdempotencyRecord(IdempotencyRecord):
    class Meta:
        table_name = USERS_TABLE.base_name


@entity(USERS_TABLE)
class UsersAuditEvent(AuditEvent):
    class Meta:
        table_name = USERS_TABLE.base_name
