"""Installment schedules in integer minor units (cents), so every generated amount is exact.

Amounts are written as decimal strings with two places; nothing here passes money through a float except
the choice of an annuity's level payment, which is then rounded to a whole unit and used exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(slots=True)
class Row:
    due_date: date
    principal: int
    interest: int
    fees: int = 0
    penalty: int = 0
    paid: int = 0

    @property
    def due(self) -> int:
        return self.principal + self.interest + self.fees + self.penalty


def add_months(start: date, months: int, day: int) -> date:
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day, 28))


def monthly_dates(first: date, count: int) -> list[date]:
    """``count`` due dates a month apart, the same as ``add_months(first, n, first.day)`` for each n."""
    year, month, day = first.year, first.month, min(first.day, 28)
    dates = []
    for _ in range(count):
        dates.append(date(year, month, day))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return dates


def money(cents: int) -> str:
    # the hottest function of the generator (five amounts per installment): keep it to one format call
    if cents >= 0:
        return "%d.%02d" % divmod(cents, 100)  # noqa: UP031 - faster than an f-string with two divisions
    return "-%d.%02d" % divmod(-cents, 100)  # noqa: UP031


def to_cents(amount: str) -> int:
    """The inverse of :func:`money` for the non-negative two-place strings it writes."""
    units, cents = amount.split(".")
    return int(units) * 100 + int(cents)


def annuity(principal: int, annual_rate_bp: int, months: int, first_due: date, unit: int) -> list[Row]:
    """A level-payment schedule: interest on the declining balance, the last installment takes the rest.

    ``unit`` is the rounding unit in cents (100 for whole VND, 1 for cents).
    """
    monthly_rate = annual_rate_bp / 120_000
    if monthly_rate:
        level = principal * monthly_rate / (1 - (1 + monthly_rate) ** -months)
    else:
        level = principal / months
    level_cents = max(unit, round(level / unit) * unit)
    rows, balance = [], principal
    for n, due_date in enumerate(monthly_dates(first_due, months)):
        interest = (balance * annual_rate_bp + 60_000) // 120_000 // unit * unit
        part = balance if n == months - 1 else min(balance, max(0, level_cents - interest))
        balance -= part
        rows.append(Row(due_date, part, interest))
    return rows


def revolving(balance: int, annual_rate_bp: int, first_due: date, cycles: int, unit: int) -> list[Row]:
    """Card / overdraft statements: a minimum payment (5% of the balance, interest included) each cycle."""
    rows = []
    for due_date in monthly_dates(first_due, cycles):
        interest = (balance * annual_rate_bp + 60_000) // 120_000 // unit * unit
        minimum = max(unit, (balance * 5 // 100) // unit * unit)
        principal = max(0, minimum - interest)
        rows.append(Row(due_date, principal, interest))
        balance = max(0, balance - principal)
    return rows
