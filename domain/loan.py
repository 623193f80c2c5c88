"""One loan's delinquency state: the bank's latest snapshot plus the payments made after it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from domain.buckets import DEFAULT_BUCKETS, BucketConfig, bucket
from domain.errors import CurrencyMismatch
from domain.ledger import Effect, Ledger, PaymentEvent
from domain.schedule import (
    ZERO,
    Schedule,
    apply_payment,
    days_past_due,
    next_event,
    oldest_unpaid,
    overdue_amount,
)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What the bank said about the loan as of ``as_of``; ``paid`` figures include payments up to then."""

    account_number: str
    cif: str
    currency: str
    closed: bool
    outstanding: Decimal
    as_of: datetime
    schedule: Schedule


@dataclass(frozen=True, slots=True)
class LoanView:
    """The loan as of a business date: what `delinquency.loans` carries."""

    account_number: str
    cif: str
    currency: str
    business_date: date
    dpd: int
    bucket: str
    overdue_amount: Decimal
    outstanding: Decimal
    oldest_unpaid_due: date | None
    next_event: date | None


@dataclass(frozen=True)
class LoanState:
    account_number: str
    snapshot: Snapshot | None = None  # None until the bank's first snapshot arrives; payments wait for it
    ledger: Ledger = field(default_factory=Ledger)

    def with_snapshot(self, snapshot: Snapshot) -> tuple[LoanState, bool]:
        """A newer snapshot replaces the schedule; an older or equal ``as_of`` is ignored (returns False)."""
        if self.snapshot is not None and snapshot.as_of <= self.snapshot.as_of:
            return self, False
        return replace(self, snapshot=snapshot), True

    def with_payment(self, event: PaymentEvent) -> tuple[LoanState, Effect]:
        if self.snapshot is not None and event.currency != self.snapshot.currency:
            raise CurrencyMismatch(
                f"payment {event.reference} is in {event.currency} but loan {self.account_number} is in "
                f"{self.snapshot.currency}"
            )
        ledger, effect = self.ledger.with_event(event)
        return replace(self, ledger=ledger), effect

    def schedule(self) -> Schedule:
        """The snapshot's schedule with later payments applied oldest installment first."""
        if self.snapshot is None:
            return ()
        extra = self.ledger.counted(self.snapshot.currency, after=self.snapshot.as_of)
        return apply_payment(self.snapshot.schedule, extra)[0]

    def view(self, on: date, config: BucketConfig = DEFAULT_BUCKETS) -> LoanView | None:
        snapshot = self.snapshot
        if snapshot is None:
            return None
        schedule = self.schedule()
        dpd = days_past_due(schedule, on, closed=snapshot.closed)
        principal_paid_since = sum((r.principal_paid for r in schedule), ZERO) - sum(
            (r.principal_paid for r in snapshot.schedule), ZERO
        )
        oldest = None if snapshot.closed else oldest_unpaid(schedule)
        return LoanView(
            account_number=snapshot.account_number,
            cif=snapshot.cif,
            currency=snapshot.currency,
            business_date=on,
            dpd=dpd,
            bucket=bucket(dpd, config),
            overdue_amount=overdue_amount(schedule, on, closed=snapshot.closed),
            outstanding=max(ZERO, snapshot.outstanding - principal_paid_since),
            oldest_unpaid_due=oldest.due_date if oldest else None,
            next_event=None if snapshot.closed else next_event(schedule, on, config),
        )
