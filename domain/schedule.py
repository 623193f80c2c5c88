"""An installment schedule: payments applied oldest installment first, days past due, overdue amount.

A schedule is a tuple of installments in due-date order (`in_due_order` sorts one); these functions work on
schedules alone. The same rules over a whole loan (snapshot plus later payments) are in `domain.loan`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from domain.buckets import DEFAULT_BUCKETS, BucketConfig, next_change_date
from domain.money import ZERO


@dataclass(frozen=True, slots=True)
class Installment:
    due_date: date
    principal: Decimal
    interest: Decimal = ZERO
    fees: Decimal = ZERO
    penalty: Decimal = ZERO
    paid: Decimal = ZERO
    # Derived once at construction: every view of the loan reads them for every installment.
    amount_due: Decimal = field(init=False, repr=False, compare=False)
    unpaid: Decimal = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        amount_due = self.principal + self.interest + self.fees + self.penalty
        object.__setattr__(self, "amount_due", amount_due)
        object.__setattr__(self, "unpaid", max(ZERO, amount_due - self.paid))

    @property
    def principal_paid(self) -> Decimal:
        """Within an installment, money goes to fees and penalty, then interest, then principal."""
        return min(self.principal, max(ZERO, self.paid - self.fees - self.penalty - self.interest))


Schedule = tuple[Installment, ...]


def in_due_order(rows: Iterable[Installment]) -> Schedule:
    """The installments oldest first, which every rule here relies on."""
    rows = tuple(rows)
    if all(a.due_date <= b.due_date for a, b in zip(rows, rows[1:], strict=False)):
        return rows
    return tuple(sorted(rows, key=lambda row: row.due_date))


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


def apply_payments(installments: Schedule, total_extra_paid: Decimal) -> Schedule:
    """The schedule once ``total_extra_paid`` (all payments on top of the bank's figures) is applied.

    Oldest installment first; money beyond the last installment is dropped here (see `apply_payment`). A
    negative total (reversals of payments the bank's figures hold) is taken off them newest installment
    first, undoing what oldest-first had paid last (`take_back`).
    """
    if total_extra_paid < 0:
        return take_back(installments, -total_extra_paid)
    return apply_payment(installments, total_extra_paid)[0]


def take_back(schedule: Schedule, amount: Decimal) -> Schedule:
    """``amount`` taken off the paid figures, from the newest installment back; never below nothing paid."""
    rows, left = list(schedule), amount
    for index in range(len(rows) - 1, -1, -1):
        if left <= 0:
            break
        row = rows[index]
        take = min(left, row.paid)
        if take > 0:
            rows[index] = replace(row, paid=row.paid - take)
            left -= take
    return tuple(rows)


def unpaid(installments: Schedule, business_date: date | None = None) -> tuple[tuple[date, Decimal], ...]:
    """(due date, amount still owed) of each installment not fully paid; only those due on or before
    ``business_date`` when it is given (the overdue ones)."""
    return tuple(
        (row.due_date, row.unpaid)
        for row in installments
        if row.unpaid > 0 and (business_date is None or row.due_date <= business_date)
    )


def oldest_unpaid(schedule: Schedule) -> Installment | None:
    return next((row for row in schedule if row.unpaid > 0), None)


def days_past_due(schedule: Schedule, on: date, *, closed: bool = False) -> int:
    """``on`` minus the due date of the oldest unpaid installment due on or before ``on``; 0 if none.

    In a schedule in due-date order the oldest unpaid installment overall is either overdue or not due yet.
    """
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
    boundary = next_change_date(row.due_date, today, config)
    falls_due = next((r.due_date for r in schedule if r.due_date > today and r.unpaid > 0), None)
    dates = [d for d in (boundary, falls_due) if d is not None]
    return min(dates) if dates else None
