"""An installment schedule: payments applied oldest installment first, days past due, overdue amount."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from domain.buckets import DEFAULT_BUCKETS, BucketConfig, next_bucket_change

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Installment:
    due_date: date
    principal: Decimal
    interest: Decimal = ZERO
    fees: Decimal = ZERO
    penalty: Decimal = ZERO
    paid: Decimal = ZERO

    @property
    def amount_due(self) -> Decimal:
        return self.principal + self.interest + self.fees + self.penalty

    @property
    def unpaid(self) -> Decimal:
        return max(ZERO, self.amount_due - self.paid)

    @property
    def principal_paid(self) -> Decimal:
        """Within an installment, money goes to fees and penalty, then interest, then principal."""
        return min(self.principal, max(ZERO, self.paid - self.fees - self.penalty - self.interest))


Schedule = tuple[Installment, ...]


def apply_payment(schedule: Schedule, amount: Decimal) -> tuple[Schedule, Decimal]:
    """Spread ``amount`` over the unpaid installments, oldest first; returns the schedule and any excess."""
    if amount <= 0:
        return schedule, ZERO
    rows, left = [], amount
    for row in schedule:
        take = min(left, row.unpaid) if left > 0 else ZERO
        rows.append(replace(row, paid=row.paid + take) if take else row)
        left -= take
    return tuple(rows), left


def oldest_unpaid(schedule: Schedule) -> Installment | None:
    return next((row for row in schedule if row.unpaid > 0), None)


def days_past_due(schedule: Schedule, on: date, *, closed: bool = False) -> int:
    """``on`` minus the due date of the oldest unpaid installment due on or before ``on``; 0 if none."""
    if closed:
        return 0
    row = oldest_unpaid(schedule)
    if row is None or row.due_date > on:
        return 0
    return (on - row.due_date).days


def overdue_amount(schedule: Schedule, on: date, *, closed: bool = False) -> Decimal:
    """What is unpaid of the installments due on or before ``on``."""
    if closed:
        return ZERO
    return sum((row.unpaid for row in schedule if row.due_date <= on), ZERO)


def next_event(schedule: Schedule, today: date, config: BucketConfig = DEFAULT_BUCKETS) -> date | None:
    """The first date after ``today`` when the loan's DPD bucket or overdue amount changes on its own.

    That is the earlier of the next bucket boundary and the next unpaid installment falling due. A date tick
    only needs to look at loans whose event date has come.
    """
    row = oldest_unpaid(schedule)
    if row is None:
        return None
    candidates = [next_bucket_change(row.due_date, today, config)]
    candidates.append(next((r.due_date for r in schedule if r.due_date > today and r.unpaid > 0), None))
    dates = [d for d in candidates if d is not None]
    return min(dates) if dates else None
