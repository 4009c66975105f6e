"""FastAPI dependencies of the inventory service, read from `app.state` set by create_app."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from common.security.audit import AuditLogger
from common.transactions import TransactionManager
from inventory_service.settings import InventoryServiceSettings


def get_service_settings(request: Request) -> InventoryServiceSettings:
    settings: InventoryServiceSettings = request.app.state.service_settings
    return settings


def get_transactions(request: Request) -> TransactionManager:
    transactions: TransactionManager = request.app.state.transactions
    return transactions


def get_audit(request: Request) -> AuditLogger:
    audit: AuditLogger = request.app.state.audit
    return audit


ServiceSettings = Annotated[InventoryServiceSettings, Depends(get_service_settings)]
Transactions = Annotated[TransactionManager, Depends(get_transactions)]
Audit = Annotated[AuditLogger, Depends(get_audit)]
