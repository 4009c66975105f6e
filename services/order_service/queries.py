"""Read side of the order service: orders, asset balances, asset transactions, portfolio.

Every read is a GetItem or a Query on a key or index; nothing scans. Another user's order
is reported exactly like a missing one.
"""

from __future__ import annotations

from decimal import Decimal

from pynamodb.exceptions import DoesNotExist

from common.dynamodb.attributes import parse_sortable_time
from common.entities.cash import USD, CashBalance
from common.entities.catalog import Asset
from common.entities.orders import (
    AssetBalance,
    AssetTransaction,
    ClientOrderIdClaim,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    holdings_partition,
)
from common.errors import NotFoundError
from common.pagination import CursorSpec, take_page
from common.prices import PriceQuote, get_quotes
from order_service.rules import average_cost, market_value
from order_service.schemas import (
    AssetBalancePublic,
    AssetTransactionPage,
    AssetTransactionPublic,
    OrderPage,
    PortfolioPublic,
    PortfolioTotals,
    PositionPublic,
)
from order_service.service import order_public

ZERO = Decimal("0")
ORDER_KEY = ("pk", "sk", "username")


def _order_not_found(order_ref: str) -> NotFoundError:
    return NotFoundError(f"No order {order_ref!r} was found for your account.")


def get_order(username: str, order_id: str) -> Order:
    try:
        order = Order.get(*Order.key_for(order_id))
    except DoesNotExist:
        raise _order_not_found(order_id) from None
    if order.username != username:
        raise _order_not_found(order_id)
    return order


def get_order_by_client_id(username: str, client_order_id: str) -> Order:
    try:
        claim = ClientOrderIdClaim.get(*ClientOrderIdClaim.key_for(username, client_order_id))
    except DoesNotExist:
        raise _order_not_found(client_order_id) from None
    return get_order(username, claim.order_id)


def list_orders(
    username: str,
    *,
    asset_id: str | None,
    side: OrderSide | None,
    order_type: OrderType | None,
    status: OrderStatus | None,
    limit: int,
    next_token: str | None,
) -> OrderPage:
    """Return one page of a user's orders, newest first, optionally for one asset."""
    filters = None
    for attribute, wanted in (
        (Order.side, side),
        (Order.order_type, order_type),
        (Order.status, status),
    ):
        if wanted is not None:
            condition = attribute == wanted.value
            filters = condition if filters is None else filters & condition
    if asset_id is None:
        spec = CursorSpec(
            (*ORDER_KEY, "created_order_sk"),
            lambda key: key["username"] == username and key["sk"] == "ORDER",
        )
        results = Order.time_index.query(
            username,
            filter_condition=filters,
            scan_index_forward=False,
            limit=limit + 1,
            last_evaluated_key=spec.decode(next_token),
        )
    else:
        prefix = f"{asset_id}#"
        spec = CursorSpec(
            (*ORDER_KEY, "asset_order_sk"),
            lambda key: (
                key["username"] == username
                and key["sk"] == "ORDER"
                and key["asset_order_sk"].startswith(prefix)
            ),
        )
        results = Order.asset_index.query(
            username,
            Order.asset_order_sk.startswith(prefix),
            filter_condition=filters,
            scan_index_forward=False,
            limit=limit + 1,
            last_evaluated_key=spec.decode(next_token),
        )
    orders, token = take_page(results, limit, spec)
    return OrderPage(items=[order_public(order) for order in orders], next_token=token)


def balance_public(balance: AssetBalance) -> AssetBalancePublic:
    return AssetBalancePublic(
        asset_id=balance.asset_id,
        quantity=balance.quantity.normalize(),
        cost_basis=balance.cost_basis,
        average_cost=_normalized(average_cost(balance.cost_basis, balance.quantity)),
        realized_pnl=balance.realized_pnl or ZERO,
        updated_at=parse_sortable_time(balance.updated_at),
    )


def list_balances(username: str) -> list[AssetBalance]:
    """Return every asset balance of a user, sold-out ones included (they keep realized P&L)."""
    return list(
        AssetBalance.query(holdings_partition(username), AssetBalance.sk.startswith("BALANCE#"))
    )


def get_balance(username: str, asset_id: str) -> AssetBalancePublic:
    """Return a user's balance of one asset; zero for a listed asset never held."""
    try:
        return balance_public(AssetBalance.get(*AssetBalance.key_for(username, asset_id)))
    except DoesNotExist:
        pass
    try:
        Asset.get(*Asset.key_for(asset_id))
    except DoesNotExist:
        raise NotFoundError(f"No asset {asset_id!r} is listed; see the catalog.") from None
    return AssetBalancePublic(
        asset_id=asset_id,
        quantity=ZERO,
        cost_basis=ZERO,
        average_cost=None,
        realized_pnl=ZERO,
        updated_at=None,
    )


def list_asset_transactions(
    username: str, asset_id: str, *, limit: int, next_token: str | None
) -> AssetTransactionPage:
    partition = holdings_partition(username)
    prefix = AssetTransaction.sort_key_prefix(asset_id)
    spec = CursorSpec(
        ("pk", "sk"), lambda key: key["pk"] == partition and key["sk"].startswith(prefix)
    )
    results = AssetTransaction.query(
        partition,
        AssetTransaction.sk.startswith(prefix),
        scan_index_forward=False,
        limit=limit + 1,
        last_evaluated_key=spec.decode(next_token),
    )
    entries, token = take_page(results, limit, spec)
    items = [
        AssetTransactionPublic(
            transaction_id=entry.transaction_id,
            asset_id=entry.asset_id,
            type=OrderSide(entry.type),
            quantity=entry.quantity.normalize(),
            price=entry.price.normalize(),
            order_id=entry.order_id,
            created_at=parse_sortable_time(entry.created_at),
        )
        for entry in entries
    ]
    return AssetTransactionPage(items=items, next_token=token)


def read_cash(username: str) -> Decimal:
    try:
        return CashBalance.get(*CashBalance.key_for(username)).amount
    except DoesNotExist:
        return ZERO


def position_public(balance: AssetBalance, quote: PriceQuote | None) -> PositionPublic:
    """Value one holding at the stored current price, however old; None when it has none."""
    value = None if quote is None else market_value(balance.quantity, quote.price)
    return PositionPublic(
        asset_id=balance.asset_id,
        quantity=balance.quantity.normalize(),
        average_cost=_normalized(average_cost(balance.cost_basis, balance.quantity)),
        cost_basis=balance.cost_basis,
        current_price=None if quote is None else quote.price.normalize(),
        price_as_of=None if quote is None else quote.as_of,
        market_value=value,
        unrealized_pnl=None if value is None else value - balance.cost_basis,
        realized_pnl=balance.realized_pnl or ZERO,
    )


def portfolio(username: str) -> PortfolioPublic:
    cash = read_cash(username)
    balances = list_balances(username)
    # One BatchGetItem for every position's price rather than a GetItem per position.
    quotes = get_quotes(balance.asset_id for balance in balances)
    positions = [position_public(balance, quotes.get(balance.asset_id)) for balance in balances]
    valued = [position for position in positions if position.market_value is not None]
    total_value = sum((position.market_value or ZERO for position in valued), ZERO)
    totals = PortfolioTotals(
        cash=cash,
        market_value=total_value,
        equity=cash + total_value,
        cost_basis=sum((position.cost_basis for position in positions), ZERO),
        unrealized_pnl=sum((position.unrealized_pnl or ZERO for position in valued), ZERO),
        realized_pnl=sum((position.realized_pnl for position in positions), ZERO),
    )
    return PortfolioPublic(
        username=username, cash=cash, currency=USD, positions=positions, totals=totals
    )


def _normalized(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.normalize()
