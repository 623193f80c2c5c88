"""Promises to pay: kept when payments reach the amount in time, broken once the grace period passes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

ZERO = Decimal(0)


class PromiseStatus(StrEnum):
    PENDING = "PENDING"
    KEPT = "KEPT"
    BROKEN = "BROKEN"


@dataclass(frozen=True)
class PromiseConfig:
    grace_days: int = 3
    # An absolute amount: a promise counts as kept when payments reach `amount - tolerance`
    # (so 9,999,995 paid toward a promise of 10,000,000 with a tolerance of 10 is kept).
    tolerance: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class Promise:
    action_id: str
    cif: str
    account_number: str | None  # None: any of the customer's loans counts
    promised_on: date  # the business date of the action that made it
    due: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class CountedPayment:
    account_number: str
    business_date: date  # the business date the payment was made on
    amount: Decimal


def promise_status(
    promise: Promise,
    payments: list[CountedPayment],
    business_date: date,
    config: PromiseConfig = PromiseConfig(),
) -> tuple[PromiseStatus, Decimal]:
    """(status, amount paid toward the promise) as of ``business_date``.

    Payments count when made from the promise's day through its due date plus the grace period, on the
    promised loan (or on any loan of the customer when the promise names none). Reversed payments must
    not be passed in.
    """
    last_day = promise.due + timedelta(days=config.grace_days)
    paid = sum(
        (
            p.amount
            for p in payments
            if promise.promised_on <= p.business_date <= min(last_day, business_date)
            and (promise.account_number is None or p.account_number == promise.account_number)
        ),
        ZERO,
    )
    if paid >= promise.amount - config.tolerance:
        return PromiseStatus.KEPT, paid
    if business_date > last_day:
        return PromiseStatus.BROKEN, paid
    return PromiseStatus.PENDING, paid
