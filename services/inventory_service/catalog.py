"""Reads of the asset catalog and current prices: GetItem, BatchGetItem and a GSI1 Query."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Protocol

from pynamodb.exceptions import DoesNotExist

from common.entities.catalog import CATALOG_PARTITION, Asset, AssetPrice, AssetStatus


class AssetFields(Protocol):
    """The catalog fields of a new asset, from the seed data or an admin request."""

    @property
    def asset_id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def quantity_step(self) -> Decimal: ...
    @property
    def price_tick(self) -> Decimal: ...
    @property
    def min_notional(self) -> Decimal: ...
    @property
    def status(self) -> AssetStatus: ...
    @property
    def live_price_id(self) -> str | None: ...


def new_asset_item(fields: AssetFields, created_at: str) -> Asset:
    """Build the catalog item of a new asset, listed in GSI1; `created_at` is sortable UTC."""
    pk, sk = Asset.key_for(fields.asset_id)
    return Asset(
        pk,
        sk,
        gsi1pk=CATALOG_PARTITION,
        gsi1sk=fields.asset_id,
        asset_id=fields.asset_id,
        name=fields.name,
        category=fields.category,
        quantity_step=fields.quantity_step,
        price_tick=fields.price_tick,
        min_notional=fields.min_notional,
        status=fields.status.value,
        live_price_id=fields.live_price_id,
        created_at=created_at,
        updated_at=created_at,
    )


def all_assets() -> list[Asset]:
    """Return every catalog asset in asset-id order (GSI1 Query, all pages).

    NOTE: lists read the whole catalog, which suits a catalog of hundreds of assets; a much
    larger one would need sorted GSIs per list order instead.
    """
    return list(Asset.catalog_index.query(CATALOG_PARTITION))


def get_asset(asset_id: str) -> Asset | None:
    try:
        return Asset.get(*Asset.key_for(asset_id))
    except DoesNotExist:
        return None


def current_prices(asset_ids: Iterable[str]) -> dict[str, AssetPrice]:
    """Return the stored current price of each asset that has one, keyed by asset id."""
    keys = [AssetPrice.key_for(asset_id) for asset_id in set(asset_ids)]
    if not keys:
        return {}
    return {price.asset_id: price for price in AssetPrice.batch_get(keys)}
