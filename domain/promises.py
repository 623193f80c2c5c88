"""Promises to pay: kept when payments reach the amount in time, broken once the grace period passes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from domain.dates import add_days
from domain.errors import InvalidConfig
from domain.money import ZERO


class PromiseStatus(StrEnum):
    PENDING = "PENDING"
    KEPT = "KEPT"
    BROKEN = "BROKEN"


@dataclass(frozen=True, slots=True)
class PromiseConfig:
    grace_days: int = 3
    # An absolute amount in the promise's currency, not a fraction: a promise is kept when payments reach
    # `amount - tolerance` (so 9,999,995 paid toward a promise of 10,000,000 with a tolerance of 10 is kept).
    tolerance: Decimal = ZERO

    def __post_init__(self) -> None:
        if self.grace_days < 0:
            raise InvalidConfig(f"grace_days cannot be negative ({self.grace_days})")
        if not isinstance(self.tolerance, Decimal | int) or isinstance(self.tolerance, bool):
            raise InvalidConfig("the promise tolerance is an exact amount of money (a Decimal), not a float")
        if self.tolerance < 0:
            raise InvalidConfig(f"the promise tolerance cannot be negative ({self.tolerance})")


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
    reversed: bool = False  # a reversed payment never counts toward a promise


def promise_status(
    promise: Promise,
    payments_toward_it: Iterable[CountedPayment],
    business_date: date,
    config: PromiseConfig = PromiseConfig(),
    *,
    payments_through: date | None = None,
) -> tuple[PromiseStatus, Decimal]:
    """(status, amount paid toward the promise) as of ``business_date``.

    Payments count when made from the promise's day through its due date plus the grace period, on the
    promised loan (or on any loan of the customer when the promise names none; the caller passes only that
    customer's payments), and no later than ``payments_through`` (default: ``business_date``). Reversed
    payments never count: leave them out or flag them. A promise breaks once ``business_date`` is past its
    last day. The two dates differ where payments may be dated ahead of the business date (a channel's
    clock ahead of the bank's day): such a payment counts, but does not by itself say the day is past.
    """
    last_day = add_days(promise.due, config.grace_days)
    through = min(last_day, business_date if payments_through is None else payments_through)
    paid = sum((p.amount for p in _counted(promise, payments_toward_it, through)), ZERO)
    if paid >= promise.amount - config.tolerance:
        return PromiseStatus.KEPT, paid
    if business_date > last_day:
        return PromiseStatus.BROKEN, paid
    return PromiseStatus.PENDING, paid


def _counted(promise: Promise, payments: Iterable[CountedPayment], through: date) -> list[CountedPayment]:
    """The payments that count toward ``promise``: not reversed, on its loan (any, when it names none),
    made from its day through ``through``."""
    return [
        p
        for p in payments
        if not p.reversed
        and promise.promised_on <= p.business_date <= through
        and (promise.account_number is None or p.account_number == promise.account_number)
    ]


def judged_on(
    promise: Promise,
    status: PromiseStatus,
    payments_toward_it: Iterable[CountedPayment],
    config: PromiseConfig = PromiseConfig(),
) -> date | None:
    """The day a promise in ``status`` was kept or broken, by the rules rather than by when it was noticed,
    so a replay that reads payments and dates in another order dates it the same: a kept one on the date of
    the payment with which the counted payments reached its amount; a broken one on the first day after its
    date plus grace; None while pending."""
    if status is PromiseStatus.BROKEN:
        return add_days(promise.due, config.grace_days + 1)
    if status is PromiseStatus.PENDING:
        return None
    last_day = add_days(promise.due, config.grace_days)
    paid = ZERO
    for payment in sorted(_counted(promise, payments_toward_it, last_day), key=lambda p: p.business_date):
        paid += payment.amount
        if paid >= promise.amount - config.tolerance:
            return payment.business_date
    return None  # kept by payments this list lacks: not for this function's callers
