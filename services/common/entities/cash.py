"""Cash balance and cash ledger entities in the users table.

Both the user service (deposits, withdrawals) and the order service (buys, sells) change a
cash balance, always in one transaction that also writes the matching ledger entry, so a
balance always equals the sum of its ledger amounts.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pynamodb.attributes import UnicodeAttribute
from pynamodb.models import Model

from common.dynamodb.attributes import DecimalAttribute, new_id, sortable_time, utc_now
from common.dynamodb.models import entity
from common.dynamodb.tables import USERS_TABLE

USD = "USD"
CENT = Decimal("0.01")


def user_partition(username: str) -> str:
    return f"USER#{username}"


class CashTransactionType(StrEnum):
    DEPOSIT = "deposit"
    WITHDRAWAL = "withdrawal"
    ORDER_BUY = "order_buy"
    ORDER_SELL = "order_sell"


@entity(USERS_TABLE)
class CashBalance(Model):
    """A user's USD balance: `pk = USER#<username>`, `sk = BALANCE`."""

    class Meta:
        table_name = USERS_TABLE.base_name

    SORT_KEY = "BALANCE"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    username = UnicodeAttribute()
    currency = UnicodeAttribute(default=USD)
    amount = DecimalAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()

    @classmethod
    def key_for(cls, username: str) -> tuple[str, str]:
        return user_partition(username), cls.SORT_KEY

    @classmethod
    def for_user(cls, username: str) -> CashBalance:
        """Return an instance carrying only the key, for use in transaction updates."""
        pk, sk = cls.key_for(username)
        return cls(pk, sk)

    @classmethod
    def opening(cls, username: str) -> CashBalance:
        """Return a new zero balance, as written at registration."""
        now = sortable_time(utc_now())
        pk, sk = cls.key_for(username)
        return cls(
            pk, sk, username=username, amount=Decimal("0.00"), created_at=now, updated_at=now
        )


@entity(USERS_TABLE)
class CashTransaction(Model):
    """One cash ledger entry: `pk = USER#<username>`, `sk = TXN#<created_at>#<id>`.

    `amount` is signed: positive for money in (deposit, sell proceeds), negative for money
    out (withdrawal, buy cost). GSI1 lists a user's entries of one type, newest first.
    """

    class Meta:
        table_name = USERS_TABLE.base_name

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    gsi1pk = UnicodeAttribute()  # "USER#<username>#TXN#<type>"
    gsi1sk = UnicodeAttribute()  # "<created_at>#<id>"
    transaction_id = UnicodeAttribute()
    username = UnicodeAttribute()
    type = UnicodeAttribute()
    amount = DecimalAttribute()
    currency = UnicodeAttribute(default=USD)
    fee = DecimalAttribute(null=True)
    reference_id = UnicodeAttribute(null=True)  # the order id for order_buy and order_sell
    description = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()

    @classmethod
    def new(
        cls,
        *,
        username: str,
        type: CashTransactionType,
        amount: Decimal,
        fee: Decimal | None = None,
        reference_id: str | None = None,
        description: str | None = None,
    ) -> CashTransaction:
        created_at = sortable_time(utc_now())
        transaction_id = new_id()
        return cls(
            user_partition(username),
            f"TXN#{created_at}#{transaction_id}",
            gsi1pk=f"{user_partition(username)}#TXN#{type.value}",
            gsi1sk=f"{created_at}#{transaction_id}",
            transaction_id=transaction_id,
            username=username,
            type=type.value,
            amount=amount,
            fee=fee,
            reference_id=reference_id,
            description=description,
            created_at=created_at,
        )
