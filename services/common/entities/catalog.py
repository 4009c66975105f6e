"""Asset catalog, current price, price history and price-writer lease in the inventory table.

The inventory service writes them; the order service reads assets and current prices
(GetItem only) to check an asset's status and step and to price an order.
"""

from __future__ import annotations

from enum import StrEnum

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from common.dynamodb.attributes import DecimalAttribute
from common.dynamodb.models import entity
from common.dynamodb.tables import INVENTORY_TABLE

CATALOG_PARTITION = "CATALOG"


def asset_partition(asset_id: str) -> str:
    return f"ASSET#{asset_id}"


class AssetStatus(StrEnum):
    TRADING = "trading"
    CANCEL_ONLY = "cancel_only"
    HALTED = "halted"


class CatalogIndex(GlobalSecondaryIndex["Asset"]):
    """GSI1 over assets: `gsi1pk = CATALOG`, `gsi1sk = <asset_id>`, the catalog by asset id."""

    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


@entity(INVENTORY_TABLE)
class Asset(Model):
    """One catalog entry: `pk = ASSET#<asset_id>`, `sk = META`; GSI1 lists the catalog."""

    class Meta:
        table_name = INVENTORY_TABLE.base_name

    SORT_KEY = "META"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    gsi1pk = UnicodeAttribute(default=CATALOG_PARTITION)
    gsi1sk = UnicodeAttribute()  # the asset id
    catalog_index = CatalogIndex()
    asset_id = UnicodeAttribute()  # upper-case symbol, for example "BTC"
    name = UnicodeAttribute()
    category = UnicodeAttribute()
    quantity_step = DecimalAttribute()  # smallest tradable quantity increment, e.g. 1E-8
    price_tick = DecimalAttribute()  # smallest price increment in USD
    min_notional = DecimalAttribute()  # smallest order value in USD
    status = UnicodeAttribute(default=AssetStatus.TRADING.value)
    live_price_id = UnicodeAttribute(null=True)  # the asset's id at the live provider ("bitcoin")
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()

    @classmethod
    def key_for(cls, asset_id: str) -> tuple[str, str]:
        return asset_partition(asset_id.upper()), cls.SORT_KEY


@entity(INVENTORY_TABLE)
class AssetPrice(Model):
    """The current price of one asset: `pk = ASSET#<asset_id>`, `sk = PRICE`."""

    class Meta:
        table_name = INVENTORY_TABLE.base_name

    SORT_KEY = "PRICE"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    asset_id = UnicodeAttribute()
    price = DecimalAttribute()  # USD per unit
    as_of = UnicodeAttribute()  # market time of the price, fixed-width UTC
    source = UnicodeAttribute()  # provider name: "replay", "simulated", "coingecko"
    updated_at = UnicodeAttribute()  # when the writer stored it
    writer_id = UnicodeAttribute(null=True)  # the price-writer lease holder that stored it
    # The stored tick closest to 24 hours before `updated_at` (the oldest one while the
    # history is shorter), so that lists show a 24 h change without a query per asset.
    reference_price = DecimalAttribute(null=True)
    reference_at = UnicodeAttribute(null=True)

    @classmethod
    def key_for(cls, asset_id: str) -> tuple[str, str]:
        return asset_partition(asset_id.upper()), cls.SORT_KEY


def tick_sort_key(stored_at: str, tick_id: str) -> str:
    return f"{PriceTick.SORT_PREFIX}{stored_at}#{tick_id}"


@entity(INVENTORY_TABLE)
class PriceTick(Model):
    """One stored price of an asset: `pk = ASSET#<asset_id>`, `sk = TICK#<stored_at>#<id>`.

    Ticks sort by the wall-clock time the writer stored them, which is the time axis of
    candles; `as_of` keeps the provider's market time. They expire through the TTL.
    """

    class Meta:
        table_name = INVENTORY_TABLE.base_name

    SORT_PREFIX = "TICK#"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    asset_id = UnicodeAttribute()
    price = DecimalAttribute()  # USD per unit
    as_of = UnicodeAttribute()  # market time of the price
    source = UnicodeAttribute()
    writer_id = UnicodeAttribute()
    stored_at = UnicodeAttribute()  # wall-clock time of the write, fixed-width UTC
    expires_at = NumberAttribute()  # epoch seconds, the table's TTL attribute


@entity(INVENTORY_TABLE)
class PriceWriterLease(Model):
    """The lease that lets one inventory replica write prices: `pk = LEASE#<name>`, `sk = LEASE`.

    A replica takes the lease with a conditional write when it is free, expired or already
    its own, and every price write checks in the same transaction that it still holds it.
    """

    class Meta:
        table_name = INVENTORY_TABLE.base_name

    SORT_KEY = "LEASE"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    holder = UnicodeAttribute()  # writer id of the current holder
    lease_expires_at = UnicodeAttribute()  # fixed-width UTC; compared as text in conditions
    renewed_at = UnicodeAttribute()
    # Wall-clock start of the replay clock, set by the first holder and kept by later ones,
    # so that a new holder continues the replay where the previous one was.
    clock_started_at = UnicodeAttribute()

    @classmethod
    def key_for(cls, name: str) -> tuple[str, str]:
        return f"LEASE#{name}", cls.SORT_KEY
