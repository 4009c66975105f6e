"""Read the current price of an asset with its age; the order service trades only on fresh ones.

The inventory service's single price writer stores `AssetPrice` items; this reader only
does GetItem, so every replica of any service may use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from pynamodb.exceptions import DoesNotExist

from common.dynamodb.attributes import parse_sortable_time, utc_now
from common.entities.catalog import AssetPrice
from common.errors import PriceUnavailableError


@dataclass(frozen=True)
class PriceQuote:
    asset_id: str
    price: Decimal
    as_of: datetime  # market time of the price
    source: str
    updated_at: datetime  # when the writer stored it; freshness is measured from here

    def age(self, now: datetime | None = None) -> timedelta:
        return (now or utc_now()) - self.updated_at


def get_quote(asset_id: str) -> PriceQuote | None:
    """Return the stored current price of `asset_id`, or None when it has none."""
    try:
        item = AssetPrice.get(*AssetPrice.key_for(asset_id))
    except DoesNotExist:
        return None
    return PriceQuote(
        asset_id=item.asset_id,
        price=item.price,
        as_of=parse_sortable_time(item.as_of),
        source=item.source,
        updated_at=parse_sortable_time(item.updated_at),
    )


def get_fresh_quote(asset_id: str, max_age: timedelta) -> PriceQuote:
    """Return the current price if at most `max_age` old, else raise 503 `price_unavailable`."""
    quote = get_quote(asset_id)
    if quote is None:
        raise PriceUnavailableError(f"Asset {asset_id} has no price yet; retry shortly.")
    age = quote.age()
    if age > max_age:
        raise PriceUnavailableError(
            f"The price of {asset_id} is {age.total_seconds():.0f} s old, older than the "
            f"{max_age.total_seconds():.0f} s allowed for trading; retry shortly."
        )
    return quote
