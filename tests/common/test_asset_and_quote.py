"""Reading an asset with its price in one BatchGetItem, and several prices at once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from common.entities.catalog import Asset
from common.prices import get_quotes, read_asset_and_quote
from common.security.tokens import TokenManager
from common.settings import CommonSettings
from tests.order_service.conftest import Market


@pytest.fixture
def market(tables: CommonSettings, tokens: TokenManager) -> Market:
    return Market(tokens)


@pytest.fixture
def tokens(jwt_keys: tuple[str, str]) -> TokenManager:
    from tests.order_service.conftest import make_token_manager

    return make_token_manager(jwt_keys)


def test_asset_and_quote_read_together(market: Market) -> None:
    asset_id = market.asset("12.5")

    asset, quote = read_asset_and_quote(asset_id.lower())

    assert asset is not None
    assert asset.asset_id == asset_id
    assert quote is not None
    assert str(quote.price) == "12.5"
    assert quote.age() < timedelta(seconds=60)


def test_missing_asset_and_price_are_none(market: Market) -> None:
    assert read_asset_and_quote("NOSUCHASSET") == (None, None)


def test_unprocessed_keys_are_read_again(market: Market, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a BatchGetItem that returns both keys unprocessed, as under throttling
    asset_id = market.asset("3.25")
    connection = Asset._get_connection()

    def unprocessed(keys: list[dict[str, str]], **_kwargs: Any) -> dict[str, Any]:
        key_maps = [{"pk": {"S": key["pk"]}, "sk": {"S": key["sk"]}} for key in keys]
        return {"Responses": {}, "UnprocessedKeys": {connection.table_name: {"Keys": key_maps}}}

    monkeypatch.setattr(connection, "batch_get_item", unprocessed)

    # When the asset and its price are read
    asset, quote = read_asset_and_quote(asset_id)

    # Then each was read with GetItem instead
    assert asset is not None
    assert quote is not None
    assert str(quote.price) == "3.25"


def test_unprocessed_missing_key_is_none(market: Market, monkeypatch: pytest.MonkeyPatch) -> None:
    connection = Asset._get_connection()

    def unprocessed(keys: list[dict[str, str]], **_kwargs: Any) -> dict[str, Any]:
        key_maps = [{"pk": {"S": key["pk"]}, "sk": {"S": key["sk"]}} for key in keys]
        return {"UnprocessedKeys": {connection.table_name: {"Keys": key_maps}}}

    monkeypatch.setattr(connection, "batch_get_item", unprocessed)

    assert read_asset_and_quote("NOSUCHASSET") == (None, None)


def test_quotes_of_several_assets(market: Market) -> None:
    first, second = market.asset("1.5"), market.asset("2.5")

    quotes = get_quotes([first, second, first, "NOSUCHASSET"])

    assert sorted(quotes) == sorted([first, second])
    assert str(quotes[second].price) == "2.5"
    assert get_quotes([]) == {}
