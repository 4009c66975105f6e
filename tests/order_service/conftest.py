"""Fixtures of the order service tests: the app on DynamoDB Local, traders, assets, prices."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from common.dynamodb.attributes import sortable_time, utc_now
from common.entities.cash import CashBalance
from common.entities.catalog import Asset, AssetPrice, AssetStatus
from common.security.tokens import Role, TokenManager
from common.settings import CommonSettings
from order_service.main import create_app
from order_service.settings import OrderServiceSettings
from tests.conftest import unique_name


@pytest.fixture
def order_settings() -> OrderServiceSettings:
    return OrderServiceSettings(
        fee_bps=10, max_price_age_s=60, sell_max_attempts=50, sell_retry_base_delay_s=0.005
    )


@pytest.fixture
def client(tables: CommonSettings, order_settings: OrderServiceSettings) -> Iterator[TestClient]:
    with TestClient(create_app(order_settings, common=tables)) as test_client:
        yield test_client


def make_token_manager(jwt_keys: tuple[str, str]) -> TokenManager:
    """Return a TokenManager that signs like the user service, with the session's keys."""
    defaults = CommonSettings()
    return TokenManager(
        issuer=defaults.jwt_issuer,
        audience=defaults.jwt_audience,
        private_key_pem=jwt_keys[0],
        public_key_pem=jwt_keys[1],
    )


@pytest.fixture
def tokens(jwt_keys: tuple[str, str]) -> TokenManager:
    return make_token_manager(jwt_keys)


class Market:
    """Test data written straight to the tables: traders with cash, assets and prices."""

    def __init__(self, tokens: TokenManager) -> None:
        self.tokens = tokens

    def trader(self, cash: str = "0.00") -> str:
        username = unique_name("trader")
        balance = CashBalance.opening(username)
        balance.amount = Decimal(cash)
        balance.save()
        return username

    def headers(self, username: str, idempotency_key: str | None = None) -> dict[str, str]:
        token, _claims = self.tokens.issue_access_token(username, Role.CUSTOMER)
        headers = {"Authorization": f"Bearer {token}"}
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        return headers

    def asset(
        self,
        price: str,
        *,
        step: str = "0.00000001",
        min_notional: str = "1.00",
        status: AssetStatus = AssetStatus.TRADING,
        price_age: timedelta = timedelta(seconds=1),
    ) -> str:
        asset_id = f"T{uuid.uuid4().hex[:8].upper()}"
        now = sortable_time(utc_now())
        pk, sk = Asset.key_for(asset_id)
        Asset(
            pk, sk, gsi1sk=asset_id, asset_id=asset_id, name=f"Test {asset_id}",
            category="test", quantity_step=Decimal(step), price_tick=Decimal("0.01"),
            min_notional=Decimal(min_notional), status=status.value, created_at=now,
            updated_at=now,
        ).save()  # fmt: skip
        self.price(asset_id, price, age=price_age)
        return asset_id

    def price(self, asset_id: str, price: str, *, age: timedelta = timedelta(seconds=1)) -> None:
        stored_at = sortable_time(utc_now() - age)
        pk, sk = AssetPrice.key_for(asset_id)
        AssetPrice(
            pk, sk, asset_id=asset_id, price=Decimal(price), as_of=stored_at, source="test",
            updated_at=stored_at,
        ).save()  # fmt: skip


@pytest.fixture
def market(tables: CommonSettings, tokens: TokenManager) -> Market:
    return Market(tokens)


def cash_of(username: str) -> Decimal:
    return CashBalance.get(*CashBalance.key_for(username)).amount


def place(
    client: TestClient, market: Market, username: str, key: str | None = None, **body: Any
) -> Any:
    return client.post("/api/v1/orders", json=body, headers=market.headers(username, key))
