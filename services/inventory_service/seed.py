"""Seed the catalog with the 12 shipped assets and an opening price for each; safe to rerun.

    python -m inventory_service.seed   # uses CNOP_DYNAMODB_ENDPOINT_URL, CNOP_TABLE_PREFIX

An asset or price that already exists is left unchanged, so a rerun keeps admin edits and
the prices the feed wrote. The opening price is the replayed price at the replay start, so
orders can trade before the feed's first update; the feed overwrites it within one interval.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import structlog
from pynamodb.exceptions import PutError

from common.dynamodb.attributes import sortable_time, utc_now
from common.dynamodb.errors import error_code
from common.dynamodb.models import configure_models
from common.entities.catalog import Asset, AssetPrice, asset_partition
from common.logging import configure_logging
from common.settings import CommonSettings
from inventory_service import SERVICE_NAME
from inventory_service.catalog import new_asset_item
from inventory_service.catalog_data import SEED_ASSETS, AssetDefinition
from inventory_service.providers import AssetFeedInfo, ReplayProvider
from inventory_service.settings import InventoryServiceSettings

log = structlog.get_logger(__name__)

SEED_SOURCE = "seed"


@dataclass(frozen=True)
class SeedResult:
    assets_created: int
    prices_created: int


def _put_if_absent(item: Asset | AssetPrice) -> bool:
    """Save `item` unless its key exists; return whether it was written."""
    try:
        item.save(condition=type(item).pk.does_not_exist())
    except PutError as error:
        if error_code(error) != "ConditionalCheckFailedException":
            raise
        return False
    return True


def opening_price(
    definition: AssetDefinition, settings: InventoryServiceSettings, now: datetime
) -> AssetPrice:
    replay = ReplayProvider(speed=settings.replay_speed, start=settings.replay_start)
    info = AssetFeedInfo(asset_id=definition.asset_id, price_tick=definition.price_tick)
    (point,) = replay.fetch([info], now, now)
    return AssetPrice(
        asset_partition(definition.asset_id),
        AssetPrice.SORT_KEY,
        asset_id=definition.asset_id,
        price=point.price,
        as_of=sortable_time(point.as_of),
        source=SEED_SOURCE,
        updated_at=sortable_time(now),
    )


def seed_catalog(settings: InventoryServiceSettings, now: datetime | None = None) -> SeedResult:
    """Create each missing seed asset and each missing opening price."""
    now = now or utc_now()
    assets_created = prices_created = 0
    for definition in SEED_ASSETS:
        if _put_if_absent(new_asset_item(definition, sortable_time(now))):
            assets_created += 1
        if _put_if_absent(opening_price(definition, settings, now)):
            prices_created += 1
    log.info(
        "catalog.seeded",
        assets_created=assets_created,
        prices_created=prices_created,
        assets_total=len(SEED_ASSETS),
    )
    return SeedResult(assets_created, prices_created)


def main() -> None:
    common = CommonSettings()
    configure_logging(SERVICE_NAME, common.log_level, json=common.log_json)
    configure_models(common)
    seed_catalog(InventoryServiceSettings())


if __name__ == "__main__":
    main()
