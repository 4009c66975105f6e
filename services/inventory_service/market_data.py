"""Hourly price bars shipped as package data (`data/prices/<SYMBOL>-USD_1h.csv`).

Columns are read by header name because the files put Close before Open. Prices are
converted from their decimal text (never through float) and rounded to the asset's tick.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from importlib import resources

BAR_LENGTH = timedelta(hours=1)
REQUIRED_COLUMNS = ("Date", "Open", "High", "Low", "Close")


class MarketDataError(ValueError):
    """A price file is missing or does not have the expected shape."""


@dataclass(frozen=True)
class Bar:
    start: datetime  # aware UTC start of the hour
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal


def round_to_tick(price: Decimal, tick: Decimal) -> Decimal:
    """Round a price to a whole multiple of `tick`, half to even, keeping the tick's scale."""
    return ((price / tick).to_integral_value(rounding=ROUND_HALF_EVEN) * tick).quantize(tick)


def data_file_name(asset_id: str) -> str:
    return f"{asset_id.upper()}-USD_1h.csv"


def has_bars(asset_id: str) -> bool:
    return (
        resources.files(__package__).joinpath("data", "prices", data_file_name(asset_id)).is_file()
    )


def parse_bars(text: str, tick: Decimal, source: str = "<text>") -> tuple[Bar, ...]:
    """Parse CSV text into bars sorted by start, each price rounded to `tick`."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [name for name in REQUIRED_COLUMNS if name not in (reader.fieldnames or ())]
    if missing:
        raise MarketDataError(f"{source}: missing columns {', '.join(missing)}")
    bars = []
    for line_number, row in enumerate(reader, start=2):
        try:
            bars.append(
                Bar(
                    start=datetime.fromisoformat(row["Date"]),
                    open=round_to_tick(Decimal(row["Open"]), tick),
                    high=round_to_tick(Decimal(row["High"]), tick),
                    low=round_to_tick(Decimal(row["Low"]), tick),
                    close=round_to_tick(Decimal(row["Close"]), tick),
                )
            )
        except (ArithmeticError, ValueError) as error:
            raise MarketDataError(f"{source} line {line_number}: {error}") from error
    if not bars:
        raise MarketDataError(f"{source}: no bars")
    if any(bar.start.tzinfo is None for bar in bars):
        raise MarketDataError(f"{source}: every Date needs a UTC offset")
    return tuple(sorted(bars, key=lambda bar: bar.start))


@lru_cache(maxsize=64)
def load_bars(asset_id: str, tick: Decimal) -> tuple[Bar, ...]:
    """Load the shipped bars of one asset, rounded to `tick`; raise MarketDataError if absent."""
    name = data_file_name(asset_id)
    path = resources.files(__package__).joinpath("data", "prices", name)
    if not path.is_file():
        raise MarketDataError(f"no price data file {name} for asset {asset_id}")
    return parse_bars(path.read_text(encoding="utf-8"), tick, source=name)
