"""Admin changes to the catalog, each written in one transaction with its audit event."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import CancellationReason
from pynamodb.expressions.update import Action

from common.dynamodb.attributes import sortable_time, utc_now
from common.entities.catalog import Asset, AssetPrice, AssetStatus
from common.errors import ConflictError
from common.security.audit import AuditLogger
from common.transactions import (
    TransactionBuilder,
    TransactionConditionFailedError,
    TransactionManager,
)
from inventory_service.catalog import current_prices, new_asset_item
from inventory_service.schemas import AssetCreate, AssetPublic, AssetStatusChange, AssetUpdate
from inventory_service.service import AssetView, find_asset, to_public

ADMIN_PRICE_SOURCE = "admin"


def _changed_concurrently(_reason: CancellationReason) -> Exception:
    return TransactionConditionFailedError(
        "The asset changed while the request was processed; read it again and retry."
    )


def create_asset(
    data: AssetCreate, actor: str, transactions: TransactionManager, audit: AuditLogger
) -> AssetPublic:
    """Add an asset, with its opening price when given; 409 `conflict` if the id exists."""
    now = sortable_time(utc_now())
    asset = new_asset_item(data, now)

    def already_exists(_reason: CancellationReason) -> Exception:
        return ConflictError(f"Asset {data.asset_id} already exists; update it instead.")

    builder = TransactionBuilder()
    builder.put(asset, condition=Asset.pk.does_not_exist(), on_condition_failed=already_exists)
    price = None
    if data.initial_price is not None:
        price_pk, price_sk = AssetPrice.key_for(data.asset_id)
        price = AssetPrice(
            price_pk,
            price_sk,
            asset_id=data.asset_id,
            price=data.initial_price,
            as_of=now,
            source=ADMIN_PRICE_SOURCE,
            updated_at=now,
        )
        builder.put(price)
    event = audit.add_to(
        builder,
        "inventory.asset_created",
        actor=actor,
        subject=data.asset_id,
        details=data.model_dump(mode="json", exclude_none=True),
    )
    transactions.execute(builder)
    audit.emit(event)
    return to_public(AssetView(asset, price))


def _update_asset(
    asset: Asset,
    changes: dict[str, Any],
    *,
    action: str,
    actor: str,
    extra_details: dict[str, Any],
    transactions: TransactionManager,
    audit: AuditLogger,
) -> AssetPublic:
    """Apply `changes` unless the asset changed since it was read, with one audit event."""
    now = sortable_time(utc_now())
    actions: list[Action] = [getattr(Asset, name).set(value) for name, value in changes.items()]
    actions.append(Asset.updated_at.set(now))
    details = dict(extra_details)
    for name, value in changes.items():
        details[f"{name}_from"] = getattr(asset, name)
        details[f"{name}_to"] = value
    builder = TransactionBuilder()
    builder.update(
        Asset(asset.pk, asset.sk),
        actions,
        condition=Asset.updated_at == asset.updated_at,
        on_condition_failed=_changed_concurrently,
    )
    event = audit.add_to(builder, action, actor=actor, subject=asset.asset_id, details=details)
    transactions.execute(builder)
    audit.emit(event)
    for name, value in changes.items():
        setattr(asset, name, value)
    asset.updated_at = now
    price = current_prices([asset.asset_id]).get(asset.asset_id)
    return to_public(AssetView(asset, price))


def update_asset(
    asset_id: str,
    data: AssetUpdate,
    actor: str,
    transactions: TransactionManager,
    audit: AuditLogger,
) -> AssetPublic:
    """Change the given fields of an asset; 404 if unknown, 409 on a concurrent change."""
    asset = find_asset(asset_id)
    return _update_asset(
        asset,
        data.model_dump(exclude_unset=True),
        action="inventory.asset_updated",
        actor=actor,
        extra_details={},
        transactions=transactions,
        audit=audit,
    )


def change_status(
    asset_id: str,
    change: AssetStatusChange,
    actor: str,
    transactions: TransactionManager,
    audit: AuditLogger,
) -> AssetPublic:
    """Set an asset's trading status (for example halt it); the reason goes to the audit log."""
    asset = find_asset(asset_id)
    status: AssetStatus = change.status
    return _update_asset(
        asset,
        {"status": status.value},
        action="inventory.asset_status_changed",
        actor=actor,
        extra_details={"reason": change.reason},
        transactions=transactions,
        audit=audit,
    )
