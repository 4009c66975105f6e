"""Read the current price of an asset with its age; the order service trades only on fresh ones.

The inventory service's single price writer stores `AssetPrice` items; this reader only
does GetItem and BatchGetItem, so every replica of any service may use it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model

from common.dynamodb.attributes import parse_sortable_time, utc_now
from common.entities.catalog import Asset, AssetPrice
from common.errors import PriceUnavailableError

ModelT = TypeVar("ModelT", bound=Model)


@dataclass(frozen=True)
class PriceQuote:
    asset_id: str
    price: Decimal
    as_of: datetime  # market time of the price
    source: str
    updated_at: datetime  # when the writer stored it; freshness is measured from here

    def age(self, now: datetime | None = None) -> timedelta:
        return (now or utc_now()) - self.updated_at


def quote_from(item: AssetPrice) -> PriceQuote:
    return PriceQuote(
        asset_id=item.asset_id,
        price=item.price,
        as_of=parse_sortable_time(item.as_of),
        source=item.source,
        updated_at=parse_sortable_time(item.updated_at),
    )


def get_quote(asset_id: str) -> PriceQuote | None:
    """Return the stored current price of `asset_id`, or None when it has none."""
    try:
        item = AssetPrice.get(*AssetPrice.key_for(asset_id))
    except DoesNotExist:
        return None
    return quote_from(item)


def get_fresh_quote(asset_id: str, max_age: timedelta) -> PriceQuote:
    """Return the current price if at most `max_age` old, else raise 503 `price_unavailable`."""
    return check_fresh(asset_id, get_quote(asset_id), max_age)


def check_fresh(asset_id: str, quote: PriceQuote | None, max_age: timedelta) -> PriceQuote:
    """Return `quote` if it exists and is at most `max_age` old, else raise 503."""
    if quote is None:
        raise PriceUnavailableError(f"Asset {asset_id} has no price yet; retry shortly.")
    age = quote.age()
    if age > max_age:
        raise PriceUnavailableError(
            f"The price of {asset_id} is {age.total_seconds():.0f} s old, older than the "
            f"{max_age.total_seconds():.0f} s allowed for trading; retry shortly."
        )
    return quote


def read_asset_and_quote(asset_id: str) -> tuple[Asset | None, PriceQuote | None]:
    """Read an asset and its current price with one BatchGetItem; None for a missing item.

    Both items live in the inventory table, so one request replaces two GetItems. A key
    that DynamoDB returns as unprocessed (under throttling) is read again with GetItem.
    """
    connection = Asset._get_connection()
    keys = [Asset.key_for(asset_id), AssetPrice.key_for(asset_id)]
    # PynamoDB 6.1 annotates `keys` as strings, but the call takes one key map per item.
    key_maps: Any = [{"pk": pk, "sk": sk} for pk, sk in keys]
    response = connection.batch_get_item(key_maps)
    table = connection.table_name
    found = {item["sk"]["S"]: item for item in response.get("Responses", {}).get(table, [])}
    unprocessed = response.get("UnprocessedKeys", {}).get(table, {}).get("Keys", [])
    unread = {key["sk"]["S"] for key in unprocessed}
    asset = _item(Asset, keys[0], found, unread)
    price = _item(AssetPrice, keys[1], found, unread)
    return asset, None if price is None else quote_from(price)


def _item(
    model: type[ModelT], key: tuple[str, str], found: dict[str, Any], unread: set[str]
) -> ModelT | None:
    pk, sk = key
    if sk in found:
        return model.from_raw_data(found[sk])
    if sk not in unread:
        return None
    try:
        return model.get(pk, sk)
    except DoesNotExist:
        return None


def get_quotes(asset_ids: Iterable[str]) -> dict[str, PriceQuote]:
    """Return the stored current prices of several assets with BatchGetItem, by asset id.

    An asset without a price is missing from the result. PynamoDB's `batch_get` splits
    the keys into requests of 100 and retries unprocessed keys.
    """
    keys = [AssetPrice.key_for(asset_id) for asset_id in dict.fromkeys(asset_ids)]
    if not keys:
        return {}
    return {item.asset_id: quote_from(item) for item in AssetPrice.batch_get(keys)}
