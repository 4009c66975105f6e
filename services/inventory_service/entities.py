"""Inventory-table bindings of the shared audit event model."""

from __future__ import annotations

from common.dynamodb.models import entity
from common.dynamodb.tables import INVENTORY_TABLE
from common.security.audit import AuditEvent


@entity(INVENTORY_TABLE)
class InventoryAuditEvent(AuditEvent):
    """An admin change to the catalog: `pk = AUDIT#<actor>`, `sk = <created_at>#<event_id>`."""

    class Meta:
        table_name = INVENTORY_TABLE.base_name
