"""The app runs its price feed thread between start-up and shutdown."""

from __future__ import annotations

from decimal import Decimal

import httpx
from fastapi.testclient import TestClient

from common.dynamodb.attributes import parse_sortable_time
from common.entities.catalog import AssetPrice, PriceWriterLease
from common.settings import CommonSettings
from inventory_service.main import create_app
from inventory_service.seed import seed_catalog
from inventory_service.settings import InventoryServiceSettings
from tests.inventory_service.conftest import feed_settings


def test_app_feed_updates_then_releases(fresh_tables: CommonSettings) -> None:
    # Given a seeded catalog and an app with the live provider on a recorded response
    seed_catalog(feed_settings())
    recorded = {"bitcoin": {"usd": 97000.5, "last_updated_at": 1767614400}}
    transport = httpx.MockTransport(lambda _request: httpx.Response(200, json=recorded))
    settings = InventoryServiceSettings(
        price_provider="live", live_provider_url="https://prices.example.test/api/v3"
    )
    app = create_app(settings, common=fresh_tables, live_transport=transport)

    # When the app starts and stops
    with TestClient(app) as client:
        assert client.get("/health/live").status_code == 200

    # Then the feed stored the live price once and gave the lease back
    price = AssetPrice.get(*AssetPrice.key_for("BTC"))
    assert price.price == Decimal("97000.50")
    assert price.source == "coingecko"
    lease = PriceWriterLease.get(*PriceWriterLease.key_for("price-writer"))
    remaining = parse_sortable_time(lease.lease_expires_at) - parse_sortable_time(lease.renewed_at)
    assert lease.holder == price.writer_id
    assert remaining < settings.lease_duration
    assert app.state.price_feed.lease.held is False
