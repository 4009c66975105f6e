"""TransactionManager: every balance change is one `TransactWriteItems` call.

A caller collects the operations of one business action (balance updates with their
conditions, the order, ledger entries, the idempotency record) in a `TransactionBuilder`,
naming for each conditional operation the error its failed condition means. The manager
then commits them atomically:

- a cancelled transaction whose reasons include `ConditionalCheckFailed` raises the error of
  the first such operation in the order the caller added them, so callers add the
  idempotency record first and a replay wins over, for example, insufficient funds;
- `TransactionConflict`, throttling, an in-flight duplicate token and transport errors are
  retried with full-jitter exponential backoff and the same `ClientRequestToken`. DynamoDB
  honours a token for 10 minutes, so a retry after a lost response cannot apply the change
  twice. When the attempts run out, the caller gets a 503 `service_unavailable`.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import structlog
from botocore.exceptions import ClientError
from prometheus_client import Counter
from pynamodb.connection import Connection
from pynamodb.exceptions import CancellationReason, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model

from common.errors import ConflictError, ServiceUnavailableError

log = structlog.get_logger(__name__)

MAX_TRANSACTION_ITEMS = 100

RETRYABLE_REASON_CODES = frozenset(
    {"TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"}
)
RETRYABLE_ERROR_CODES = frozenset(
    {
        "TransactionInProgressException",
        "TransactionConflictException",
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
    }
)

TRANSACTION_ATTEMPTS = Counter(
    "cnop_dynamodb_transaction_attempts_total",
    "TransactWriteItems attempts by outcome.",
    ["outcome"],
)

OperationKind = Literal["condition_check", "delete", "put", "update"]
FailureFactory = Callable[[CancellationReason], Exception]

# The order in which PynamoDB's Connection.transact_write_items concatenates its four
# lists; cancellation reasons come back in this order.
_KIND_ORDER: tuple[OperationKind, ...] = ("condition_check", "delete", "put", "update")


class TransactionConditionFailedError(ConflictError):
    code = "concurrent_modification"
    title = "The data changed while the request was processed"


@dataclass
class _Operation:
    kind: OperationKind
    kwargs: dict[str, Any]
    label: str
    on_condition_failed: FailureFactory | None


@dataclass
class TransactionBuilder:
    """The operations of one atomic write, each with the error its failed condition means."""

    operations: list[_Operation] = field(default_factory=list)

    def put(
        self,
        model: Model,
        *,
        condition: Condition | None = None,
        on_condition_failed: FailureFactory | None = None,
        label: str | None = None,
    ) -> None:
        kwargs = model.get_save_kwargs_from_instance(
            condition=condition, return_values_on_condition_failure="ALL_OLD"
        )
        self._add("put", kwargs, label or type(model).__name__, on_condition_failed)

    def update(
        self,
        model: Model,
        actions: Sequence[Action],
        *,
        condition: Condition | None = None,
        on_condition_failed: FailureFactory | None = None,
        label: str | None = None,
    ) -> None:
        kwargs = model.get_update_kwargs_from_instance(
            actions=list(actions),
            condition=condition,
            return_values_on_condition_failure="ALL_OLD",
        )
        self._add("update", kwargs, label or type(model).__name__, on_condition_failed)

    def condition_check(
        self,
        model_cls: type[Model],
        hash_key: str,
        range_key: str | None,
        *,
        condition: Condition,
        on_condition_failed: FailureFactory | None = None,
        label: str | None = None,
    ) -> None:
        kwargs = model_cls.get_operation_kwargs_from_class(
            hash_key, range_key=range_key, condition=condition
        )
        self._add("condition_check", kwargs, label or model_cls.__name__, on_condition_failed)

    def delete(
        self,
        model: Model,
        *,
        condition: Condition | None = None,
        on_condition_failed: FailureFactory | None = None,
        label: str | None = None,
    ) -> None:
        kwargs = model.get_delete_kwargs_from_instance(condition=condition)
        self._add("delete", kwargs, label or type(model).__name__, on_condition_failed)

    def _add(
        self,
        kind: OperationKind,
        kwargs: dict[str, Any],
        label: str,
        on_condition_failed: FailureFactory | None,
    ) -> None:
        if len(self.operations) >= MAX_TRANSACTION_ITEMS:
            raise ValueError(
                f"a transaction can contain at most {MAX_TRANSACTION_ITEMS} operations"
            )
        self.operations.append(_Operation(kind, kwargs, label, on_condition_failed))

    def in_wire_order(self) -> list[_Operation]:
        """Return the operations in the order DynamoDB receives them and reports reasons."""
        return sorted(self.operations, key=lambda op: _KIND_ORDER.index(op.kind))


class TransactionManager:
    """Commit `TransactionBuilder`s atomically, retrying transient failures with backoff."""

    def __init__(
        self,
        connection: Connection,
        *,
        max_attempts: int = 5,
        base_delay_s: float = 0.025,
        max_delay_s: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.connection = connection
        self.max_attempts = max_attempts
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self._sleep = sleep
        self._jitter = jitter

    def execute(
        self, builder: TransactionBuilder, *, client_request_token: str | None = None
    ) -> None:
        """Commit all operations or none; raise the mapped error or 503 after the last retry."""
        if not builder.operations:
            raise ValueError("a transaction needs at least one operation")
        token = client_request_token or str(uuid.uuid4())
        ordered = builder.in_wire_order()
        for attempt in range(1, self.max_attempts + 1):
            try:
                self._commit(ordered, token)
            except TransactWriteError as error:
                retry_reason = self._classify(error, ordered, builder)
                if attempt == self.max_attempts:
                    TRANSACTION_ATTEMPTS.labels("exhausted").inc()
                    log.error(
                        "transaction.retries_exhausted",
                        attempts=attempt,
                        reason=retry_reason,
                        client_request_token=token,
                    )
                    raise ServiceUnavailableError(
                        "The database is busy; retry the request with the same Idempotency-Key.",
                        retry_after_s=1,
                    ) from error
                delay = self._backoff(attempt)
                TRANSACTION_ATTEMPTS.labels("retried").inc()
                log.warning(
                    "transaction.retry",
                    attempt=attempt,
                    reason=retry_reason,
                    delay_ms=round(delay * 1000, 1),
                    client_request_token=token,
                )
                self._sleep(delay)
            else:
                TRANSACTION_ATTEMPTS.labels("committed").inc()
                return

    def _commit(self, ordered: list[_Operation], token: str) -> None:
        by_kind: dict[OperationKind, list[dict[str, Any]]] = {kind: [] for kind in _KIND_ORDER}
        for operation in ordered:
            by_kind[operation.kind].append(operation.kwargs)
        self.connection.transact_write_items(
            condition_check_items=by_kind["condition_check"],
            delete_items=by_kind["delete"],
            put_items=by_kind["put"],
            update_items=by_kind["update"],
            client_request_token=token,
        )

    def _classify(
        self, error: TransactWriteError, ordered: list[_Operation], builder: TransactionBuilder
    ) -> str:
        """Raise the caller's error for a failed condition; return the reason if retryable."""
        cause = error.cause
        code = (
            cause.response.get("Error", {}).get("Code") if isinstance(cause, ClientError) else None
        )
        if code == "TransactionCanceledException":
            reasons = list(error.cancellation_reasons)
            failed = {
                id(operation): reason
                for operation, reason in zip(ordered, reasons, strict=False)
                if reason is not None and reason.code == "ConditionalCheckFailed"
            }
            for operation in builder.operations:
                reason = failed.get(id(operation))
                if reason is not None:
                    raise self._condition_error(operation, reason) from error
            retryable = [
                r.code for r in reasons if r is not None and r.code in RETRYABLE_REASON_CODES
            ]
            if retryable:
                return retryable[0]
            raise error
        if code is None or code in RETRYABLE_ERROR_CODES:
            # code None: a transport error (timeout, reset) where the outcome is unknown; the
            # same ClientRequestToken makes the retry safe.
            return code or type(error.cause).__name__
        raise error

    @staticmethod
    def _condition_error(operation: _Operation, reason: CancellationReason) -> Exception:
        if operation.on_condition_failed is not None:
            return operation.on_condition_failed(reason)
        log.warning("transaction.condition_failed", operation=operation.label)
        return TransactionConditionFailedError(
            "The data changed while the request was processed; retry the request."
        )

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.max_delay_s, self.base_delay_s * (2 ** (attempt - 1)))
        return ceiling * self._jitter()
