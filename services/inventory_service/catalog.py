"""Reads of the asset catalog and current prices: GetItem, BatchGetItem and a GSI1 Query."""

from __future__ import annotations

from collections.abc import Iterable

from pynamodb.exceptions import DoesNotExist

from common.entities.catalog import CATALOG_PARTITION, Asset, AssetPrice


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
