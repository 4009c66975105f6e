"""Price reader: current price with its age and the freshness rule (moto)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from common.dynamodb.attributes import sortable_time, utc_now
from common.entities.catalog import AssetPrice
from common.errors import PriceUnavailableError
from common.prices import get_fresh_quote, get_quote
from common.settings import CommonSettings


def store_price(asset_id: str, price: str, age: timedelta) -> None:
    stored_at = sortable_time(utc_now() - age)
    pk, sk = AssetPrice.key_for(asset_id)
    AssetPrice(
        pk, sk, asset_id=asset_id, price=Decimal(price), as_of=stored_at, source="test",
        updated_at=stored_at,
    ).save()  # fmt: skip


def test_quote_keeps_exact_decimal(moto_tables: CommonSettings) -> None:
    store_price("BTC", "91234.57", timedelta(seconds=1))

    quote = get_quote("btc")

    assert quote is not None
    assert quote.price == Decimal("91234.57")
    assert quote.source == "test"


def test_missing_price_is_none_or_503(moto_tables: CommonSettings) -> None:
    assert get_quote("NOPE") is None
    with pytest.raises(PriceUnavailableError, match="no price"):
        get_fresh_quote("NOPE", timedelta(seconds=30))


def test_stale_price_is_refused(moto_tables: CommonSettings) -> None:
    store_price("ETH", "3100.10", timedelta(seconds=120))

    with pytest.raises(PriceUnavailableError, match="older than"):
        get_fresh_quote("ETH", timedelta(seconds=60))
    assert get_fresh_quote("ETH", timedelta(seconds=300)).price == Decimal("3100.10")
