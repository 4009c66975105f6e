"""Fault injection for DynamoDB calls, for tests and chaos runs only.

A `FaultInjector` is a botocore `before-send.dynamodb` handler. botocore emits that event
once the request is serialized and signed; a handler may return an HTTP response (which
botocore then parses as if DynamoDB had sent it) or raise (which botocore treats like a
transport failure, retries under its own policy, then raises). So an injected fault travels
the same path through botocore, PynamoDB and `TransactionManager` as a real one:

- `transaction_conflict`: `TransactionCanceledException` whose reasons name
  `TransactionConflict` on one item (`TransactionConflictException` for single-item calls);
- `throttling`, `provisioned_throughput_exceeded`: the HTTP 400 error of that name;
- `read_timeout`, `connection_reset`: botocore's `ReadTimeoutError` and
  `ConnectionClosedError`, raised before the request leaves, so DynamoDB never sees it;
- `lost_response`: the request is sent and applied, then the response is dropped and a
  `ReadTimeoutError` raised, as when a connection dies after the commit.

The setting `CNOP_FAULT_INJECTION` (a JSON `FaultSpec`, rejected unless the environment is
`test`) turns it on; `common.dynamodb.models` attaches the injector to every client it
creates. Decisions come from one `random.Random(seed)` per spec and process, drawn under a
lock in call order, so a single-threaded run repeats exactly.
"""

from __future__ import annotations

import json
import random
import threading
from collections import Counter
from collections.abc import Iterator
from enum import StrEnum
from typing import Any

import structlog
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.compat import HTTPHeaders
from botocore.exceptions import ConnectionClosedError, ReadTimeoutError
from botocore.httpsession import URLLib3Session
from pydantic import BaseModel, ConfigDict, Field, model_validator

log = structlog.get_logger(__name__)

DYNAMODB_ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#"
TRANSACTION_OPERATIONS = frozenset({"TransactWriteItems", "TransactGetItems"})
ANY_OPERATION = "*"


class FaultKind(StrEnum):
    TRANSACTION_CONFLICT = "transaction_conflict"
    THROTTLING = "throttling"
    PROVISIONED_THROUGHPUT_EXCEEDED = "provisioned_throughput_exceeded"
    READ_TIMEOUT = "read_timeout"
    CONNECTION_RESET = "connection_reset"
    LOST_RESPONSE = "lost_response"


class FaultRule(BaseModel):
    """A fault rule: the operations it matches, the fault kind and the share of calls it fails."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    operations: tuple[str, ...] = Field(
        min_length=1,
        description='DynamoDB operation names such as "TransactWriteItems" or "GetItem"; '
        '"*" matches every operation.',
    )
    kind: FaultKind
    rate: float = Field(default=1.0, gt=0, le=1, description="Share of matching calls to fail.")
    first_attempt_only: bool = Field(
        default=False,
        description="Fail only the first call of each ClientRequestToken, so that a retry "
        "with the same token goes through. Only for TransactWriteItems.",
    )
    max_faults: int | None = Field(
        default=None, ge=1, description="Stop after this many injected faults; unset means never."
    )

    @model_validator(mode="after")
    def _first_attempt_needs_token(self) -> FaultRule:
        if self.first_attempt_only and self.operations != ("TransactWriteItems",):
            raise ValueError(
                "first_attempt_only needs operations ['TransactWriteItems'], the only "
                "operation here that carries a ClientRequestToken"
            )
        return self

    def matches(self, operation: str) -> bool:
        return ANY_OPERATION in self.operations or operation in self.operations


class FaultSpec(BaseModel):
    """The rules, tried in order, and the seed of the decisions."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = 0
    rules: tuple[FaultRule, ...] = Field(min_length=1)


class _Body:
    """The `raw` of an `AWSResponse`: botocore reads a body through `stream()`."""

    def __init__(self, content: bytes) -> None:
        self._content = content

    def stream(self, **_kwargs: Any) -> Iterator[bytes]:
        yield self._content


def error_response(url: str, code: str, message: str, **members: Any) -> AWSResponse:
    """Build the HTTP 400 response DynamoDB sends for error `code` (JSON 1.0 protocol)."""
    body = {"__type": f"{DYNAMODB_ERROR_PREFIX}{code}", "message": message, **members}
    headers = HTTPHeaders.from_dict(
        {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "injected-fault"}
    )
    return AWSResponse(url, 400, headers, _Body(json.dumps(body).encode()))


class FaultInjector:
    """A `before-send` handler that fails the calls its spec selects."""

    def __init__(self, spec: FaultSpec, *, http_timeout_s: int = 10) -> None:
        self.spec = spec
        self.injected: Counter[tuple[str, FaultKind]] = Counter()
        self._random = random.Random(spec.seed)  # noqa: S311 - test faults, not security
        self._lock = threading.Lock()
        self._seen_tokens: set[str] = set()
        self._faults_per_rule = [0] * len(spec.rules)
        self._http_timeout_s = http_timeout_s
        self._http: URLLib3Session | None = None

    def attach(self, client: Any) -> None:
        """Register on a botocore DynamoDB client; registering twice has no effect."""
        client.meta.events.register(
            "before-send.dynamodb", self.before_send, unique_id=f"cnop-faults-{id(self)}"
        )

    def before_send(
        self, request: AWSPreparedRequest, event_name: str = "", **_kwargs: Any
    ) -> AWSResponse | None:
        """Return an error response, raise a transport error, or return None to pass."""
        operation = event_name.rsplit(".", 1)[-1]
        payload = _json_body(request)
        kind = self._decide(operation, payload)
        if kind is None:
            return None
        log.info("faults.injected", operation=operation, kind=kind.value)
        return self._inject(kind, operation, request, payload)

    def _decide(self, operation: str, payload: dict[str, Any]) -> FaultKind | None:
        token = payload.get("ClientRequestToken")
        with self._lock:
            first_attempt = isinstance(token, str) and token not in self._seen_tokens
            if isinstance(token, str):
                self._seen_tokens.add(token)
            for index, rule in enumerate(self.spec.rules):
                if not rule.matches(operation):
                    continue
                if rule.first_attempt_only and not first_attempt:
                    continue
                if rule.max_faults is not None and self._faults_per_rule[index] >= rule.max_faults:
                    continue
                if self._random.random() < rule.rate:
                    self._faults_per_rule[index] += 1
                    self.injected[(operation, rule.kind)] += 1
                    return rule.kind
        return None

    def _inject(
        self,
        kind: FaultKind,
        operation: str,
        request: AWSPreparedRequest,
        payload: dict[str, Any],
    ) -> AWSResponse:
        url = str(request.url)
        if kind is FaultKind.TRANSACTION_CONFLICT:
            return self._conflict(url, operation, payload)
        if kind is FaultKind.THROTTLING:
            return error_response(url, "ThrottlingException", "Rate of requests exceeds limit.")
        if kind is FaultKind.PROVISIONED_THROUGHPUT_EXCEEDED:
            return error_response(
                url,
                "ProvisionedThroughputExceededException",
                "The level of configured provisioned throughput for the table was exceeded.",
            )
        if kind is FaultKind.CONNECTION_RESET:
            raise ConnectionClosedError(endpoint_url=url)
        if kind is FaultKind.LOST_RESPONSE:
            self._send(request)
        raise ReadTimeoutError(endpoint_url=url)

    def _conflict(self, url: str, operation: str, payload: dict[str, Any]) -> AWSResponse:
        if operation not in TRANSACTION_OPERATIONS:
            return error_response(
                url,
                "TransactionConflictException",
                "Transaction is ongoing for the item.",
            )
        items = payload.get("TransactItems") or [{}]
        with self._lock:
            conflicting = self._random.randrange(len(items))
        reasons = [
            {"Code": "TransactionConflict", "Message": "Transaction is ongoing for the item"}
            if index == conflicting
            else {"Code": "None"}
            for index in range(len(items))
        ]
        codes = ", ".join(reason["Code"] for reason in reasons)
        return error_response(
            url,
            "TransactionCanceledException",
            f"Transaction cancelled, please refer cancellation reasons for specific "
            f"reasons [{codes}]",
            CancellationReasons=reasons,
        )

    def _send(self, request: AWSPreparedRequest) -> None:
        """Send the request for real and drop the response."""
        with self._lock:
            if self._http is None:
                self._http = URLLib3Session(timeout=self._http_timeout_s)
            http = self._http
        response = http.send(request)
        log.info("faults.response_dropped", status=response.status_code)

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None


def _json_body(request: AWSPreparedRequest) -> dict[str, Any]:
    body = request.body
    if isinstance(body, bytes | str) and body:
        try:
            decoded = json.loads(body)
        except ValueError:
            return {}
        if isinstance(decoded, dict):
            return decoded
    return {}


_INJECTORS: dict[FaultSpec, FaultInjector] = {}
_INJECTORS_LOCK = threading.Lock()


def injector_for(spec: FaultSpec) -> FaultInjector:
    """Return the process's injector for `spec`, so every client shares one decision stream."""
    with _INJECTORS_LOCK:
        injector = _INJECTORS.get(spec)
        if injector is None:
            injector = _INJECTORS[spec] = FaultInjector(spec)
            log.warning("faults.enabled", seed=spec.seed, rules=len(spec.rules))
        return injector


def forget_injectors() -> None:
    """Drop the process's injectors, so the next `injector_for` starts a fresh sequence."""
    with _INJECTORS_LOCK:
        for injector in _INJECTORS.values():
            injector.close()
        _INJECTORS.clear()
