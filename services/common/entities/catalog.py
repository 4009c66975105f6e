"""Asset catalog and current price entities in the inventory table.

The inventory service writes them; the order service reads them (GetItem only) to check
an asset's status and step and to price an order.
"""

from __future__ import annotations

from enum import StrEnum

from pynamodb.attributes import UnicodeAttribute
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
    asset_id = UnicodeAttribute()  # upper-case symbol, for example "BTC"
    name = UnicodeAttribute()
    category = UnicodeAttribute()
    quantity_step = DecimalAttribute()  # smallest tradable quantity increment, e.g. 1E-8
    price_tick = DecimalAttribute()  # smallest price increment in USD
    min_notional = DecimalAttribute()  # smallest order value in USD
    status = UnicodeAttribute(default=AssetStatus.TRADING.value)
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

    @classmethod
    def key_for(cls, asset_id: str) -> tuple[str, str]:
        return asset_partition(asset_id.upper()), cls.SORT_KEY
