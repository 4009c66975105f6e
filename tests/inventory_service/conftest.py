"""Inventory service fixtures: settings without the feed thread, tokens, an app and a client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from common.dynamodb.models import make_connection
from common.security.tokens import Role, TokenManager
from common.settings import CommonSettings
from common.transactions import TransactionManager
from inventory_service.feed import PriceFeed
from inventory_service.main import create_app
from inventory_service.providers import PriceProvider, ReplayProvider
from inventory_service.settings import InventoryServiceSettings

# A fixed wall-clock origin, so tests control time instead of sleeping.
T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


class FakeClock:
    """A settable clock for feeds and leases."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


def feed_settings(**overrides: Any) -> InventoryServiceSettings:
    values: dict[str, Any] = {"price_feed_enabled": False}
    values.update(overrides)
    return InventoryServiceSettings(**values)


@pytest.fixture
def make_feed(fresh_tables: CommonSettings) -> Callable[..., PriceFeed]:
    """Build feeds on empty tables with a fake clock and no retry sleeps."""

    def build(
        clock: FakeClock,
        provider: PriceProvider | None = None,
        settings: InventoryServiceSettings | None = None,
        **kwargs: Any,
    ) -> PriceFeed:
        settings = settings or feed_settings()
        transactions = TransactionManager(make_connection(fresh_tables), sleep=lambda _s: None)
        return PriceFeed(
            settings,
            provider or ReplayProvider(speed=settings.replay_speed),
            transactions,
            clock=clock,
            **kwargs,
        )

    return build


@pytest.fixture
def token_manager(jwt_keys: tuple[str, str]) -> TokenManager:
    defaults = CommonSettings()
    return TokenManager(
        issuer=defaults.jwt_issuer,
        audience=defaults.jwt_audience,
        private_key_pem=jwt_keys[0],
        public_key_pem=jwt_keys[1],
    )


@pytest.fixture
def admin_headers(token_manager: TokenManager) -> dict[str, str]:
    token, _claims = token_manager.issue_access_token("opsadmin", Role.ADMIN)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def customer_headers(token_manager: TokenManager) -> dict[str, str]:
    token, _claims = token_manager.issue_access_token("trader", Role.CUSTOMER)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def client(fresh_tables: CommonSettings) -> Iterator[TestClient]:
    """A client of an app on empty tables, without the feed thread."""
    app = create_app(feed_settings(), common=fresh_tables)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
