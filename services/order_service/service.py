"""Market order placement: one `TransactWriteItems` that moves cash and assets together.

The transaction first writes the idempotency record (when the request has an
`Idempotency-Key`) and the client order id claim. Then come the cash balance update and the
cash ledger entry in the users table, and the order, the asset balance update, the asset
transaction and the audit event in the orders table. Conditions on the balances reject a
buy without enough cash and a sell without enough holding, and then nothing is written.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from decimal import Decimal

import structlog
from pynamodb.exceptions import CancellationReason, DoesNotExist

from common.dynamodb.attributes import new_id, parse_sortable_time, sortable_time, utc_now
from common.entities.cash import CashBalance, CashTransaction, CashTransactionType
from common.entities.catalog import Asset, AssetStatus
from common.entities.orders import (
    AssetBalance,
    AssetTransaction,
    ClientOrderIdClaim,
    Order,
    OrderAuditEvent,
    OrderIdempotencyRecord,
    OrderSide,
    OrderStatus,
    holdings_partition,
)
from common.errors import (
    AssetNotTradingError,
    BelowMinNotionalError,
    ConflictError,
    DuplicateClientOrderIdError,
    InsufficientFundsError,
    InsufficientHoldingError,
    UnknownAssetError,
    ValidationFailedError,
)
from common.idempotency import IdempotentRequest, request_fingerprint
from common.money import check_step, format_usd
from common.prices import PriceQuote, check_fresh, read_asset_and_quote
from common.security.audit import AuditLogger
from common.transactions import (
    TransactionBuilder,
    TransactionConditionFailedError,
    TransactionManager,
)
from order_service.rules import (
    CENT,
    Execution,
    buy_execution,
    cost_basis_sold,
    quantity_for_notional,
    sell_execution,
)
from order_service.schemas import OrderCreate, OrderPublic
from order_service.settings import OrderServiceSettings

log = structlog.get_logger(__name__)

IDEMPOTENCY_SCOPE = "order"
AUDIT = AuditLogger(OrderAuditEvent)


class HoldingChangedError(Exception):
    """The holding a sell read changed before its transaction committed; read it again."""


@dataclass(frozen=True)
class OrderPlan:
    """The execution plan of one order: its quantity, price and cash movement."""

    username: str
    request: OrderCreate
    asset: Asset
    quote: PriceQuote
    quantity: Decimal
    execution: Execution
    fee_bps: int


class OrderPlacer:
    """Place market orders for one service instance's settings and transaction manager."""

    def __init__(self, settings: OrderServiceSettings, manager: TransactionManager) -> None:
        self.settings = settings
        self.manager = manager

    def place(self, username: str, request: OrderCreate, idempotency_key: str | None) -> Order:
        """Execute a market order or raise its 4xx; replays raise `IdempotentReplay`."""
        idempotent = self._idempotent_request(username, request, idempotency_key)
        if idempotent is not None:
            idempotent.replay_if_recorded()
        plan = self._plan(username, request)
        if plan.request.side is OrderSide.BUY:
            return self._commit(plan, idempotent, holding=None)
        return self._sell_with_retries(plan, idempotent)

    def _idempotent_request(
        self, username: str, request: OrderCreate, key: str | None
    ) -> IdempotentRequest | None:
        if key is None:
            return None
        return IdempotentRequest(
            OrderIdempotencyRecord,
            scope=IDEMPOTENCY_SCOPE,
            username=username,
            key=key,
            fingerprint=request_fingerprint("order", request.model_dump()),
            retention=self.settings.idempotency_retention,
        )

    def _plan(self, username: str, request: OrderCreate) -> OrderPlan:
        # One BatchGetItem for both: each round trip to DynamoDB is most of an order's time.
        asset_item, quote = read_asset_and_quote(request.asset_id)
        asset = check_tradable(request.asset_id, asset_item)
        quote = check_fresh(asset.asset_id, quote, self.settings.max_price_age)
        quantity = size_order(request, asset, quote.price)
        fee_bps = self.settings.fee_bps
        if request.side is OrderSide.BUY:
            execution = buy_execution(quantity, quote.price, fee_bps)
        else:
            execution = sell_execution(quantity, quote.price, fee_bps)
        check_min_notional(asset, execution.gross_amount)
        return OrderPlan(username, request, asset, quote, quantity, execution, fee_bps)

    def _sell_with_retries(self, plan: OrderPlan, idempotent: IdempotentRequest | None) -> Order:
        attempts = self.settings.sell_max_attempts
        for attempt in range(1, attempts + 1):
            holding = read_holding(plan.username, plan.asset.asset_id)
            if holding is None or holding.quantity < plan.quantity:
                raise insufficient_holding(plan, holding.quantity if holding else Decimal(0))
            try:
                return self._commit(plan, idempotent, holding=holding)
            except HoldingChangedError:
                ceiling = self.settings.sell_retry_base_delay_s * min(attempt, 10)
                delay = ceiling * random.random()  # noqa: S311 - jitter, not a secret
                log.info(
                    "order.sell_retry",
                    attempt=attempt,
                    asset_id=plan.asset.asset_id,
                    delay_ms=round(delay * 1000, 1),
                )
                time.sleep(delay)
        log.warning("order.sell_retries_exhausted", attempts=attempts, asset_id=plan.asset.asset_id)
        raise TransactionConditionFailedError(
            "The holding changed on every attempt while the sell ran; retry the request."
        )

    def _commit(
        self, plan: OrderPlan, idempotent: IdempotentRequest | None, holding: AssetBalance | None
    ) -> Order:
        order = build_order(plan)
        removed = Decimal(0)
        if holding is not None:
            removed = cost_basis_sold(holding.cost_basis, holding.quantity, plan.quantity)
            order.realized_pnl = plan.execution.net_amount - removed
        builder = TransactionBuilder()
        # The idempotency record goes first so that a replay wins over any other failure.
        if idempotent is not None:
            idempotent.add_record(builder, 201, order_public(order).model_dump(mode="json"))
        if order.client_order_id is not None:
            add_client_order_id_claim(builder, order)
        add_cash_movement(builder, plan, order)
        builder.put(order, condition=Order.pk.does_not_exist(), label="Order")
        if holding is None:
            add_buy_to_holding(builder, plan)
        else:
            add_sell_to_holding(builder, plan, holding, removed)
        builder.put(new_asset_transaction(plan, order), label="AssetTransaction")
        event = AUDIT.add_to(
            builder,
            "order.filled",
            actor=plan.username,
            subject=plan.asset.asset_id,
            details={
                "order_id": order.order_id,
                "side": order.side,
                "quantity": order.quantity,
                "price": order.price,
                "net_amount": order.net_amount,
            },
        )
        self.manager.execute(builder)
        AUDIT.emit(event)
        log.info(
            "order.filled",
            order_id=order.order_id,
            asset_id=order.asset_id,
            side=order.side,
            quantity=str(order.quantity),
            net_amount=str(order.net_amount),
        )
        return order


def check_tradable(asset_id: str, asset: Asset | None) -> Asset:
    """Return the asset if it exists and trades, else raise its 422."""
    if asset is None:
        raise UnknownAssetError(f"No asset {asset_id!r} is listed; see the catalog.")
    if asset.status != AssetStatus.TRADING.value:
        raise AssetNotTradingError(
            f"Trading in {asset.asset_id} is {asset.status}; no orders are accepted now."
        )
    return asset


def size_order(request: OrderCreate, asset: Asset, price: Decimal) -> Decimal:
    """Return the order quantity: the requested one if on the step, else from the notional."""
    step = asset.quantity_step
    if request.quantity is not None:
        try:
            return check_step(request.quantity, step, f"{asset.asset_id} quantity")
        except ValueError as error:
            raise quantity_step_error(str(error)) from None
    assert request.notional is not None  # OrderCreate guarantees exactly one of the two
    check_min_notional(asset, request.notional)
    quantity = quantity_for_notional(request.notional, price, step)
    if quantity <= 0:
        raise BelowMinNotionalError(
            f"{request.notional} USD does not buy one step ({step.normalize():f}) of "
            f"{asset.asset_id} at {price} USD."
        )
    return quantity


def quantity_step_error(message: str) -> ValidationFailedError:
    return ValidationFailedError(
        f"Invalid value in: body.quantity ({message}).",
        extensions={
            "errors": [{"field": "body.quantity", "message": message, "type": "quantity_step"}]
        },
    )


def check_min_notional(asset: Asset, value: Decimal) -> None:
    minimum = max(asset.min_notional, CENT)
    if value < minimum:
        raise BelowMinNotionalError(
            f"The order value {format_usd(value)} USD is below the minimum of "
            f"{format_usd(minimum)} USD for "
            f"{asset.asset_id}."
        )


def read_holding(username: str, asset_id: str) -> AssetBalance | None:
    try:
        return AssetBalance.get(*AssetBalance.key_for(username, asset_id), consistent_read=True)
    except DoesNotExist:
        return None


def insufficient_holding(plan: OrderPlan, held: Decimal) -> InsufficientHoldingError:
    return InsufficientHoldingError(
        f"The sell of {plan.quantity.normalize():f} {plan.asset.asset_id} exceeds the "
        f"holding of {held.normalize():f}."
    )


def build_order(plan: OrderPlan) -> Order:
    created_at = sortable_time(utc_now())
    order_id = new_id()
    request = plan.request
    return Order(
        *Order.key_for(order_id),
        username=plan.username,
        asset_order_sk=f"{plan.asset.asset_id}#{created_at}#{order_id}",
        created_order_sk=f"{created_at}#{order_id}",
        order_id=order_id,
        client_order_id=request.client_order_id,
        asset_id=plan.asset.asset_id,
        order_type=request.type.value,
        side=request.side.value,
        status=OrderStatus.FILLED.value,
        quantity=plan.quantity,
        requested_notional=request.notional,
        price=plan.quote.price,
        price_as_of=sortable_time(plan.quote.as_of),
        gross_amount=plan.execution.gross_amount,
        fee=plan.execution.fee,
        fee_bps=plan.fee_bps,
        net_amount=plan.execution.net_amount,
        realized_pnl=None,
        created_at=created_at,
    )


def add_client_order_id_claim(builder: TransactionBuilder, order: Order) -> None:
    assert order.client_order_id is not None
    claim = ClientOrderIdClaim(
        *ClientOrderIdClaim.key_for(order.username, order.client_order_id),
        username=order.username,
        client_order_id=order.client_order_id,
        order_id=order.order_id,
        created_at=order.created_at,
    )
    client_order_id = order.client_order_id

    def duplicate(_reason: CancellationReason) -> Exception:
        return DuplicateClientOrderIdError(
            f"client_order_id {client_order_id!r} already names another of your orders; "
            "use a new one."
        )

    builder.put(
        claim,
        condition=ClientOrderIdClaim.pk.does_not_exist(),
        on_condition_failed=duplicate,
        label="ClientOrderIdClaim",
    )


def add_cash_movement(builder: TransactionBuilder, plan: OrderPlan, order: Order) -> None:
    """Add the cash balance update and its ledger entry (users table) to the transaction."""
    net = plan.execution.net_amount
    now = sortable_time(utc_now())
    balance = CashBalance.for_user(plan.username)
    if plan.request.side is OrderSide.BUY:

        def insufficient_funds(reason: CancellationReason) -> Exception:
            available = _cash_in(reason)
            return InsufficientFundsError(
                f"Cash balance {available} USD is below the order cost {net} USD."
            )

        builder.update(
            balance,
            [CashBalance.amount.add(-net), CashBalance.updated_at.set(now)],
            condition=CashBalance.amount >= net,
            on_condition_failed=insufficient_funds,
            label="CashBalance",
        )
        entry_type, signed = CashTransactionType.ORDER_BUY, -net
    else:
        builder.update(
            balance,
            [CashBalance.amount.add(net), CashBalance.updated_at.set(now)],
            condition=CashBalance.pk.exists(),
            on_condition_failed=lambda _reason: ConflictError(
                "You have no cash account to receive the proceeds."
            ),
            label="CashBalance",
        )
        entry_type, signed = CashTransactionType.ORDER_SELL, net
    builder.put(
        CashTransaction.new(
            username=plan.username,
            type=entry_type,
            amount=signed,
            fee=plan.execution.fee,
            reference_id=order.order_id,
            description=f"{order.side} {plan.quantity.normalize():f} {plan.asset.asset_id}",
        ),
        label="CashTransaction",
    )


def _cash_in(reason: CancellationReason) -> str:
    if not reason.raw_item or "amount" not in reason.raw_item:
        return "0.00"
    return f"{Decimal(reason.raw_item['amount']['N']).quantize(CENT):f}"


def add_buy_to_holding(builder: TransactionBuilder, plan: OrderPlan) -> None:
    """Add quantity and cost (fee included) to the holding, creating it on the first buy."""
    now = sortable_time(utc_now())
    builder.update(
        AssetBalance.for_user(plan.username, plan.asset.asset_id),
        [
            AssetBalance.quantity.add(plan.quantity),
            AssetBalance.cost_basis.add(plan.execution.net_amount),
            AssetBalance.version.add(1),
            AssetBalance.realized_pnl.set(AssetBalance.realized_pnl | Decimal("0.00")),
            AssetBalance.username.set(plan.username),
            AssetBalance.asset_id.set(plan.asset.asset_id),
            AssetBalance.created_at.set(AssetBalance.created_at | now),
            AssetBalance.updated_at.set(now),
        ],
        label="AssetBalance",
    )


def add_sell_to_holding(
    builder: TransactionBuilder, plan: OrderPlan, holding: AssetBalance, removed: Decimal
) -> None:
    """Remove the quantity and its average cost `removed` and add the realized P&L.

    The update is conditioned on the version read, so the cost basis used for the P&L is
    the one the sell replaces. A changed version means a retry, a short holding a 422.
    """
    realized = plan.execution.net_amount - removed
    quantity = plan.quantity

    def changed_or_short(reason: CancellationReason) -> Exception:
        current = Decimal(0)
        if reason.raw_item and "quantity" in reason.raw_item:
            current = Decimal(reason.raw_item["quantity"]["N"])
        if current < quantity:
            return insufficient_holding(plan, current)
        return HoldingChangedError()

    builder.update(
        AssetBalance.for_user(plan.username, plan.asset.asset_id),
        [
            AssetBalance.quantity.add(-quantity),
            AssetBalance.cost_basis.add(-removed),
            AssetBalance.realized_pnl.add(realized),
            AssetBalance.version.add(1),
            AssetBalance.updated_at.set(sortable_time(utc_now())),
        ],
        condition=(AssetBalance.version == holding.version) & (AssetBalance.quantity >= quantity),
        on_condition_failed=changed_or_short,
        label="AssetBalance",
    )


def new_asset_transaction(plan: OrderPlan, order: Order) -> AssetTransaction:
    transaction_id = new_id()
    signed = plan.quantity if plan.request.side is OrderSide.BUY else -plan.quantity
    return AssetTransaction(
        holdings_partition(plan.username),
        f"{AssetTransaction.sort_key_prefix(order.asset_id)}{order.created_at}#{transaction_id}",
        transaction_id=transaction_id,
        username=plan.username,
        asset_id=plan.asset.asset_id,
        type=order.side,
        quantity=signed,
        price=plan.quote.price,
        order_id=order.order_id,
        created_at=order.created_at,
    )


def order_public(order: Order) -> OrderPublic:
    return OrderPublic(
        order_id=order.order_id,
        client_order_id=order.client_order_id,
        asset_id=order.asset_id,
        type=order.order_type,
        side=order.side,
        status=order.status,
        quantity=order.quantity.normalize(),
        requested_notional=order.requested_notional,
        price=order.price.normalize(),
        price_as_of=parse_sortable_time(order.price_as_of),
        gross_amount=order.gross_amount,
        fee=order.fee,
        fee_bps=int(order.fee_bps),
        net_amount=order.net_amount,
        realized_pnl=order.realized_pnl,
        created_at=parse_sortable_time(order.created_at),
    )
