"""Loading the shipped hourly bars: columns by name, rounding to the tick, data checks."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from inventory_service.catalog_data import SEED_ASSETS
from inventory_service.market_data import MarketDataError, load_bars, parse_bars, round_to_tick

SAMPLE = (
    "Date,Close,High,Low,Open,Volume\n"
    "2024-11-14 01:00:00+00:00,90343.3359375,90414.4140625,89728.359375,90185.46875,0\n"
    "2024-11-14 00:00:00+00:00,90232.953125,90497.5390625,89813.890625,90497.5390625,1\n"
)


def test_parse_reads_columns_by_name() -> None:
    bars = parse_bars(SAMPLE, Decimal("0.01"))

    assert bars[0].start == datetime(2024, 11, 14, tzinfo=UTC)
    assert bars[0].open == Decimal("90497.54")
    assert bars[0].close == Decimal("90232.95")
    assert bars[1].high == Decimal("90414.41")
    assert bars[1].low == Decimal("89728.36")


def test_parse_rejects_missing_column() -> None:
    with pytest.raises(MarketDataError, match="missing columns Open"):
        parse_bars("Date,Close,High,Low\n", Decimal("0.01"))


def test_parse_rejects_bad_number() -> None:
    text = "Date,Close,High,Low,Open\n2024-11-14 00:00:00+00:00,x,1,1,1\n"

    with pytest.raises(MarketDataError, match="line 2"):
        parse_bars(text, Decimal("0.01"))


def test_parse_rejects_naive_time() -> None:
    text = "Date,Close,High,Low,Open\n2024-11-14 00:00:00,1,1,1,1\n"

    with pytest.raises(MarketDataError, match="UTC offset"):
        parse_bars(text, Decimal("0.01"))


def test_round_to_tick_keeps_tick_scale() -> None:
    assert round_to_tick(Decimal("0.39261797070503235"), Decimal("0.00001")) == Decimal("0.39262")
    assert str(round_to_tick(Decimal("5"), Decimal("0.001"))) == "5.000"
    assert round_to_tick(Decimal("12.5"), Decimal("5")) == Decimal("10")


def test_unknown_asset_has_no_file() -> None:
    with pytest.raises(MarketDataError, match="no price data file"):
        load_bars("NOPE", Decimal("0.01"))


@pytest.mark.parametrize("asset", SEED_ASSETS, ids=lambda asset: asset.asset_id)
def test_shipped_bars_are_complete_and_consistent(asset: object) -> None:
    bars = load_bars(asset.asset_id, asset.price_tick)  # type: ignore[attr-defined]

    assert len(bars) == 2135
    assert bars[0].start == datetime(2024, 11, 14, tzinfo=UTC)
    assert bars[-1].start == datetime(2025, 2, 10, 23, tzinfo=UTC)
    assert all(bar.low <= min(bar.open, bar.close) for bar in bars)
    assert all(bar.high >= max(bar.open, bar.close) for bar in bars)
    assert all(bar.low > 0 for bar in bars)
