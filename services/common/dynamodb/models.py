"""Binding of PynamoDB models to the configured tables and endpoint.

Entity models declare their table with `@entity(SPEC)`. At start-up a service calls
`configure_models(settings)`, which sets each model's table name (prefix included),
endpoint, region and timeouts, so that tests and parallel stacks use their own tables.
With `CNOP_FAULT_INJECTION` set (test environment only), every connection made here gets
the fault injector of `common.faults`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pynamodb.connection import Connection
from pynamodb.models import Model

from common.dynamodb.tables import TableSpec
from common.faults import injector_for
from common.settings import CommonSettings

ModelT = TypeVar("ModelT", bound=type[Model])

_REGISTRY: dict[type[Model], TableSpec] = {}
# The settings each model was last bound with. Rebinding to equal settings is skipped,
# because it would recreate the model's botocore client (tens of milliseconds each).
_BOUND: dict[type[Model], CommonSettings] = {}


def entity(spec: TableSpec) -> Callable[[ModelT], ModelT]:
    """Register a model class as stored in the table `spec`."""

    def register(model_cls: ModelT) -> ModelT:
        _REGISTRY[model_cls] = spec
        return model_cls

    return register


def registered_models() -> dict[type[Model], TableSpec]:
    return dict(_REGISTRY)


def configure_models(settings: CommonSettings) -> None:
    """Point every registered model at its prefixed table on the configured endpoint."""
    for model_cls, spec in _REGISTRY.items():
        if _BOUND.get(model_cls) == settings:
            continue
        _BOUND[model_cls] = settings
        meta: Any = model_cls.Meta
        meta.table_name = spec.full_name(settings.table_prefix)
        meta.region = settings.aws_region
        meta.host = settings.dynamodb_endpoint_url
        meta.connect_timeout_seconds = settings.dynamodb_connect_timeout_s
        meta.read_timeout_seconds = settings.dynamodb_read_timeout_s
        meta.max_retry_attempts = settings.dynamodb_max_retry_attempts
        # PynamoDB caches a connection per class; drop it so the new settings take effect.
        model_cls._connection = None
        if settings.fault_injection is not None:
            _attach_faults(model_cls._get_connection().connection, settings)


def make_connection(settings: CommonSettings) -> Connection:
    """Return a PynamoDB connection for transactions that span tables."""
    connection = Connection(
        region=settings.aws_region,
        host=settings.dynamodb_endpoint_url,
        connect_timeout_seconds=settings.dynamodb_connect_timeout_s,
        read_timeout_seconds=settings.dynamodb_read_timeout_s,
        max_retry_attempts=settings.dynamodb_max_retry_attempts,
    )
    _attach_faults(connection, settings)
    return connection


def _attach_faults(connection: Connection, settings: CommonSettings) -> None:
    """Attach the fault injector when the settings ask for one.

    `Connection.client` creates the botocore client on first access and reuses it while it
    has credentials, so the handler registered here stays on the connection's later calls.
    """
    if settings.fault_injection is None:
        return
    injector_for(settings.fault_injection).attach(connection.client)


def check_table_reachable(settings: CommonSettings, spec: TableSpec) -> Callable[[], None]:
    """Return a readiness check that describes the service's table and raises if it cannot."""
    connection = make_connection(settings)
    table_name = spec.full_name(settings.table_prefix)

    def check() -> None:
        description = connection.describe_table(table_name)
        status = description.get("TableStatus")
        if status != "ACTIVE":
            raise RuntimeError(f"table {table_name} is {status}, not ACTIVE")

    return check
