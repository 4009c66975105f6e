"""The price-writer lease: at most one inventory replica writes prices at a time.

A replica takes or renews the lease with one conditional UpdateItem that succeeds only when
the lease item is missing, expired or already held by this replica. Expiry only decides
when another replica may take over. Safety comes from fencing: every price write is a
transaction with a ConditionCheck that the lease holder is still this replica, so a
replica that lost the lease (for example after a long pause) cannot write even while its
clock still shows the lease as valid.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import structlog
from pynamodb.exceptions import CancellationReason, UpdateError

from common.dynamodb.attributes import new_id, parse_sortable_time, sortable_time
from common.dynamodb.errors import error_code
from common.entities.catalog import PriceWriterLease
from common.transactions import TransactionBuilder

log = structlog.get_logger(__name__)

PRICE_WRITER_LEASE = "price-writer"


class LeaseLostError(Exception):
    """Another writer holds the lease now; the fenced write was not applied."""


@dataclass(frozen=True)
class LeaseState:
    holder: str
    expires_at: datetime
    clock_started_at: datetime


class WriterLease:
    """One replica's handle on the named lease item."""

    def __init__(
        self, duration: timedelta, *, name: str = PRICE_WRITER_LEASE, writer_id: str | None = None
    ) -> None:
        self.duration = duration
        self.name = name
        self.writer_id = writer_id or new_id()
        self._held = False

    @property
    def held(self) -> bool:
        """Whether the last acquire succeeded; the fence, not this flag, guards writes."""
        return self._held

    def acquire(self, now: datetime) -> LeaseState | None:
        """Take or renew the lease until `now + duration`; return None if another writer has it."""
        pk, sk = PriceWriterLease.key_for(self.name)
        lease = PriceWriterLease(pk, sk)
        now_text = sortable_time(now)
        try:
            lease.update(
                actions=[
                    PriceWriterLease.holder.set(self.writer_id),
                    PriceWriterLease.lease_expires_at.set(sortable_time(now + self.duration)),
                    PriceWriterLease.renewed_at.set(now_text),
                    PriceWriterLease.clock_started_at.set(
                        PriceWriterLease.clock_started_at | now_text
                    ),
                ],
                condition=(
                    PriceWriterLease.pk.does_not_exist()
                    | (PriceWriterLease.holder == self.writer_id)
                    | (PriceWriterLease.lease_expires_at < now_text)
                ),
            )
        except UpdateError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
            if self._held:
                log.warning("price_lease.lost", lease=self.name, writer_id=self.writer_id)
            self._held = False
            return None
        if not self._held:
            log.info("price_lease.acquired", lease=self.name, writer_id=self.writer_id)
        self._held = True
        return LeaseState(
            holder=lease.holder,
            expires_at=parse_sortable_time(lease.lease_expires_at),
            clock_started_at=parse_sortable_time(lease.clock_started_at),
        )

    def release(self, now: datetime) -> None:
        """Expire the lease at `now` if this replica holds it, so another can take over at once."""
        if not self._held:
            return
        pk, sk = PriceWriterLease.key_for(self.name)
        try:
            PriceWriterLease(pk, sk).update(
                actions=[PriceWriterLease.lease_expires_at.set(sortable_time(now))],
                condition=PriceWriterLease.holder == self.writer_id,
            )
        except UpdateError as error:
            if error_code(error) != "ConditionalCheckFailedException":
                raise
        self._held = False
        log.info("price_lease.released", lease=self.name, writer_id=self.writer_id)

    def add_fence(self, builder: TransactionBuilder) -> None:
        """Add a check that this replica still holds the lease to a price-writing transaction."""
        pk, sk = PriceWriterLease.key_for(self.name)
        builder.condition_check(
            PriceWriterLease,
            pk,
            sk,
            condition=PriceWriterLease.holder == self.writer_id,
            on_condition_failed=self._lost,
            label="PriceWriterLease",
        )

    def _lost(self, _reason: CancellationReason) -> Exception:
        self._held = False
        return LeaseLostError(f"writer {self.writer_id} lost lease {self.name} to another writer")
