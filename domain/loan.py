"""One loan's delinquency state: the bank's latest snapshot plus the payments made after it.

The functions at the bottom (`dpd`, `overdue_amount`, `with_payment`, ...) are the rules over a whole loan;
`domain.schedule` has the same rules over a bare schedule.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from domain import schedule as sched
from domain.buckets import DEFAULT_BUCKETS, BucketConfig, bucket, next_change_date
from domain.errors import CurrencyMismatch, WrongAccount
from domain.ledger import Effect, Ledger, Payment
from domain.money import ZERO
from domain.schedule import Schedule, in_due_order


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
    # What strategies match on besides the figures; carried through, never computed with.
    product_type: str = ""
    custom_fields: dict = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        # Oldest-first allocation and DPD rely on due-date order; the bank's feed does not promise it.
        object.__setattr__(self, "schedule", in_due_order(self.schedule))

    @property
    def status(self) -> str:
        return "CLOSED" if self.closed else "OPEN"


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


@dataclass(frozen=True, slots=True)
class LoanState:
    account_number: str
    snapshot: Snapshot | None = None  # None until the bank's first snapshot arrives; payments wait for it
    ledger: Ledger = field(default_factory=Ledger)

    # --- what the snapshot says (None before it arrives) -------------------------------------------------

    @property
    def cif(self) -> str | None:
        return self.snapshot.cif if self.snapshot else None

    @property
    def currency(self) -> str | None:
        return self.snapshot.currency if self.snapshot else None

    @property
    def status(self) -> str | None:
        return self.snapshot.status if self.snapshot else None

    @property
    def as_of(self) -> datetime | None:
        return self.snapshot.as_of if self.snapshot else None

    @property
    def installments(self) -> Schedule:
        """The bank's schedule as of ``as_of``, before later payments (see `schedule()` for after)."""
        return self.snapshot.schedule if self.snapshot else ()

    # --- events -------------------------------------------------------------------------------------------

    def with_snapshot(self, snapshot: Snapshot) -> tuple[LoanState, bool]:
        """A newer snapshot replaces the schedule and drops the payments it already includes; an older or
        equal ``as_of`` is ignored (returns False)."""
        if snapshot.account_number != self.account_number:
            raise WrongAccount(f"snapshot of loan {snapshot.account_number} applied to {self.account_number}")
        if self.snapshot is not None and snapshot.as_of <= self.snapshot.as_of:
            return self, False
        return LoanState(self.account_number, snapshot, self.ledger.pruned(snapshot.as_of)), True

    def with_payment(self, event: Payment) -> tuple[LoanState, Effect]:
        """Record one payment message. Raises CurrencyMismatch, WrongAccount, ConflictingPayment or
        InvalidPayment (all DomainError) for a message that cannot belong to this loan."""
        if event.account_number is not None and event.account_number != self.account_number:
            raise WrongAccount(
                f"payment {event.reference_number} of loan {event.account_number} applied to "
                f"{self.account_number}"
            )
        if self.snapshot is not None and event.currency != self.snapshot.currency:
            raise CurrencyMismatch(
                f"payment {event.reference_number} is in {event.currency} "
                f"but loan {self.account_number} is in {self.snapshot.currency}"
            )
        ledger, effect = self.ledger.with_event(event, self.as_of)
        return (self if ledger is self.ledger else replace(self, ledger=ledger)), effect

    # --- derived ------------------------------------------------------------------------------------------

    def extra_paid(self) -> Decimal:
        """What the payments after the snapshot add on top of the bank's paid figures."""
        if self.snapshot is None:
            return ZERO
        return self.ledger.counted(self.snapshot.currency, after=self.snapshot.as_of)

    def schedule(self) -> Schedule:
        """The snapshot's schedule with later payments applied oldest installment first."""
        if self.snapshot is None:
            return ()
        return sched.apply_payments(self.snapshot.schedule, self.extra_paid())

    def payments_in_other_currency(self) -> list[str]:
        """Payments recorded before the snapshot that turned out to be in another currency (never counted)."""
        return self.ledger.in_other_currency(self.snapshot.currency) if self.snapshot else []

    def view(self, on: date, config: BucketConfig = DEFAULT_BUCKETS) -> LoanView | None:
        snapshot = self.snapshot
        if snapshot is None:
            return None
        schedule = self.schedule()
        closed = snapshot.closed
        dpd = sched.days_past_due(schedule, on, closed=closed)
        outstanding = snapshot.outstanding
        if schedule is not snapshot.schedule:  # payments on top: they also paid off some principal
            outstanding -= sum((r.principal_paid for r in schedule), ZERO) - sum(
                (r.principal_paid for r in snapshot.schedule), ZERO
            )
        oldest = None if closed else sched.oldest_unpaid(schedule)
        return LoanView(
            account_number=snapshot.account_number,
            cif=snapshot.cif,
            currency=snapshot.currency,
            business_date=on,
            dpd=dpd,
            bucket=bucket(dpd, config),
            overdue_amount=sched.overdue_amount(schedule, on, closed=closed),
            outstanding=max(ZERO, outstanding),
            oldest_unpaid_due=oldest.due_date if oldest else None,
            next_event=None if closed else sched.next_event(schedule, on, config),
        )

    # --- storage ------------------------------------------------------------------------------------------

    def to_dict(self) -> dict:
        """Compact JSON-able form for a state store (Decimals as strings, dates ISO); see domain.codec."""
        from domain.codec import loan_to_dict  # codec imports this module

        return loan_to_dict(self)

    @staticmethod
    def from_dict(data: dict) -> LoanState:
        from domain.codec import loan_from_dict

        return loan_from_dict(data)


# --- the rules over a whole loan, as functions -------------------------------------------------------------


def with_snapshot(state: LoanState, snapshot: Snapshot) -> tuple[LoanState, bool]:
    """(new state, True) for a newer snapshot; (the same state, False) for an older or equal ``as_of``."""
    return state.with_snapshot(snapshot)


def with_payment(state: LoanState, payment: Payment) -> tuple[LoanState, Effect]:
    return state.with_payment(payment)


def oldest_unpaid_due_date(state: LoanState, business_date: date) -> date | None:
    """Due date of the oldest installment due on or before ``business_date`` not fully paid; None if none
    (and always None for a closed loan or one whose snapshot has not arrived)."""
    if state.snapshot is None or state.snapshot.closed:
        return None
    row = sched.oldest_unpaid(state.schedule())
    return row.due_date if row is not None and row.due_date <= business_date else None


def dpd(state: LoanState, business_date: date) -> int:
    oldest = oldest_unpaid_due_date(state, business_date)
    return 0 if oldest is None else (business_date - oldest).days


def overdue_amount(state: LoanState, business_date: date) -> Decimal:
    if state.snapshot is None or state.snapshot.closed:
        return ZERO
    return sched.overdue_amount(state.schedule(), business_date)


def unpaid(state: LoanState, business_date: date | None = None) -> tuple[tuple[date, Decimal], ...]:
    """(due date, amount still owed) per installment not fully paid, after later payments; only those due
    on or before ``business_date`` when given. Empty for a closed loan."""
    if state.snapshot is None or state.snapshot.closed:
        return ()
    return sched.unpaid(state.schedule(), business_date)


Unpaid = tuple[tuple[date, Decimal], ...]  # (due date, amount still owed) per installment, in due order


def aged(view: LoanView, rows: Unpaid, on: date, config: BucketConfig = DEFAULT_BUCKETS) -> LoanView:
    """``view`` moved to the later business date ``on`` when only time has passed since it was computed.

    ``rows`` is `unpaid(state)` for the same state. A date tick needs nothing else, so it never decodes the
    whole loan: ``aged(state.view(d0), unpaid(state), d1) == state.view(d1)`` for every ``d1 >= d0``.
    """
    if not rows:  # closed or fully paid
        return replace(view, business_date=on, dpd=0, bucket=bucket(0, config), overdue_amount=ZERO)
    oldest = rows[0][0]
    days = max(0, (on - oldest).days)
    falls_due = next((due for due, _ in rows if due > on), None)
    boundary = next_change_date(oldest, on, config)
    return replace(
        view,
        business_date=on,
        dpd=days,
        bucket=bucket(days, config),
        overdue_amount=sum((amount for due, amount in rows if due <= on), ZERO),
        next_event=min((d for d in (boundary, falls_due) if d is not None), default=None),
    )
