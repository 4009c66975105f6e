"""Order, asset balance, asset transaction and client order id entities in the orders table.

The order service writes all of them, together with the cash balance update and the cash
ledger entry in the users table, in one `TransactWriteItems` per order. Keys are described
in docs/data-model.md.
"""

from __future__ import annotations

from enum import StrEnum

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from common.dynamodb.attributes import DecimalAttribute
from common.dynamodb.models import entity
from common.dynamodb.tables import ORDERS_TABLE
from common.idempotency import IdempotencyRecord
from common.security.audit import AuditEvent

ORDER_SORT_KEY = "ORDER"
CLIENT_ORDER_SORT_KEY = "CLIENT_ORDER"


def holdings_partition(username: str) -> str:
    """Partition of one user's asset balances and asset transactions."""
    return f"USER#{username}"


class OrderSide(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderType(StrEnum):
    MARKET_BUY = "market_buy"
    MARKET_SELL = "market_sell"


class OrderStatus(StrEnum):
    # A market order either fills completely inside its transaction or writes nothing, so
    # every stored order is filled.
    FILLED = "filled"


class UserOrdersIndex(GlobalSecondaryIndex["Order"]):
    """A user's orders of one asset: `username`, `asset_order_sk` begins with the asset id."""

    class Meta:
        index_name = "UserOrdersIndex"
        projection = AllProjection()

    username = UnicodeAttribute(hash_key=True)
    asset_order_sk = UnicodeAttribute(range_key=True)


class UserOrdersByTimeIndex(GlobalSecondaryIndex["Order"]):
    """All of a user's orders in time order: `username`, `created_order_sk`."""

    class Meta:
        index_name = "UserOrdersByTimeIndex"
        projection = AllProjection()

    username = UnicodeAttribute(hash_key=True)
    created_order_sk = UnicodeAttribute(range_key=True)


@entity(ORDERS_TABLE)
class Order(Model):
    """One filled market order: `pk = <order_id>`, `sk = ORDER`.

    `UserOrdersIndex` lists a user's orders of one asset (`asset_order_sk`) and
    `UserOrdersByTimeIndex` all of a user's orders (`created_order_sk`), both newest first.
    """

    class Meta:
        table_name = ORDERS_TABLE.base_name

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    username = UnicodeAttribute()
    asset_order_sk = UnicodeAttribute()  # "<asset_id>#<created_at>#<order_id>"
    created_order_sk = UnicodeAttribute()  # "<created_at>#<order_id>"
    order_id = UnicodeAttribute()
    client_order_id = UnicodeAttribute(null=True)
    asset_id = UnicodeAttribute()
    order_type = UnicodeAttribute()
    side = UnicodeAttribute()
    status = UnicodeAttribute()
    quantity = DecimalAttribute()
    requested_notional = DecimalAttribute(null=True)  # USD, for buys sized by notional
    price = DecimalAttribute()  # USD per unit the order executed at
    price_as_of = UnicodeAttribute()  # market time of that price
    gross_amount = DecimalAttribute()  # quantity x price, rounded up (buy) or down (sell)
    fee = DecimalAttribute()  # USD
    fee_bps = NumberAttribute()  # fee rate in basis points at execution
    net_amount = DecimalAttribute()  # cash moved: gross + fee on a buy, gross - fee on a sell
    realized_pnl = DecimalAttribute(null=True)  # sells only: net_amount - cost basis sold
    created_at = UnicodeAttribute()

    asset_index = UserOrdersIndex()
    time_index = UserOrdersByTimeIndex()

    @classmethod
    def key_for(cls, order_id: str) -> tuple[str, str]:
        return order_id, ORDER_SORT_KEY


@entity(ORDERS_TABLE)
class AssetBalance(Model):
    """A user's holding of one asset with its cost basis: `pk = USER#<username>`,
    `sk = BALANCE#<asset_id>`.

    `cost_basis` is the USD paid, fees included, for the quantity still held; average cost is
    `cost_basis / quantity`. `version` grows by one on every change, so a sell, which needs
    the current cost basis to compute its realized P&L, conditions its update on the
    version it read.
    """

    class Meta:
        table_name = ORDERS_TABLE.base_name

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    username = UnicodeAttribute()
    asset_id = UnicodeAttribute()
    quantity = DecimalAttribute()
    cost_basis = DecimalAttribute()  # USD
    realized_pnl = DecimalAttribute(null=True)  # USD, sum over all sells of this asset
    version = NumberAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()

    @classmethod
    def key_for(cls, username: str, asset_id: str) -> tuple[str, str]:
        return holdings_partition(username), f"BALANCE#{asset_id}"

    @classmethod
    def for_user(cls, username: str, asset_id: str) -> AssetBalance:
        """Return an instance carrying only the key, for use in transaction updates."""
        return cls(*cls.key_for(username, asset_id))


@entity(ORDERS_TABLE)
class AssetTransaction(Model):
    """One change of a holding: `pk = USER#<username>`, `sk = TXN#<asset_id>#<created>#<id>`.

    `quantity` is signed: positive for a buy, negative for a sell, so a holding always
    equals the sum of its asset transactions.
    """

    class Meta:
        table_name = ORDERS_TABLE.base_name

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    transaction_id = UnicodeAttribute()
    username = UnicodeAttribute()
    asset_id = UnicodeAttribute()
    type = UnicodeAttribute()  # the order side: "buy" or "sell"
    quantity = DecimalAttribute()
    price = DecimalAttribute()  # USD per unit
    order_id = UnicodeAttribute()
    created_at = UnicodeAttribute()

    @staticmethod
    def sort_key_prefix(asset_id: str) -> str:
        return f"TXN#{asset_id}#"


@entity(ORDERS_TABLE)
class ClientOrderIdClaim(Model):
    """Claim of a client order id by one user: `pk = CLIENT_ORDER#<username>#<id>`.

    Written under `attribute_not_exists` in the order's transaction, so a client order id
    names at most one order per user; it also serves the lookup by client order id.
    """

    class Meta:
        table_name = ORDERS_TABLE.base_name

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    username = UnicodeAttribute()
    client_order_id = UnicodeAttribute()
    order_id = UnicodeAttribute()
    created_at = UnicodeAttribute()

    @classmethod
    def key_for(cls, username: str, client_order_id: str) -> tuple[str, str]:
        return f"CLIENT_ORDER#{username}#{client_order_id}", CLIENT_ORDER_SORT_KEY


@entity(ORDERS_TABLE)
class OrderIdempotencyRecord(IdempotencyRecord):
    """Idempotency record of an order request, in the orders table."""

    class Meta:
        table_name = ORDERS_TABLE.base_name


@entity(ORDERS_TABLE)
class OrderAuditEvent(AuditEvent):
    """Audit event of an order, in the orders table."""

    class Meta:
        table_name = ORDERS_TABLE.base_name
