"""Customers who have just fallen behind, for the demo's simulator.

A generated portfolio has no inflow: its current loans' schedules mostly end within the year, so with the
business date moving a day a minute, the customers 1-59 days past due age into the later buckets and the
early teams' queues empty within the hour. Each new business date the simulator adds customers who missed
an installment a few days ago (`newcomers_due` of them), as a bank's feed brings the day's new arrears.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from crm.generator.customers import customer
from crm.generator.loans import DPD_TARGETS, GeneratedLoan, make_collateral, make_loan

# Their cif numbers are far above any generated portfolio's (C000000001 on), one block per business date,
# so no two dates (and no two demo runs, whose dates only move forward) make the same customer.
NEWCOMER_BASE = 900_000_000
PER_DAY = 1_000
EPOCH = date(2000, 1, 1)
# The generator's share of customers whose worst loan is 1-29 days past due: what the demo keeps.
EARLY = DPD_TARGETS[1][:2]
EARLY_SHARE = DPD_TARGETS[1][2] / sum(weight for _low, _high, weight in DPD_TARGETS)
REFILL_DAYS = 15  # a deficit is made up over about this many business days, not in one
BEHIND = (2, 4)  # days since the missed installment on the date a newcomer comes (up to 3 more: day 28)
MAX_DRAWS = 200


def early_target(customers: int) -> int:
    """How many customers 1-29 days past due a portfolio of ``customers`` should hold, as generated."""
    return round(customers * EARLY_SHARE)


def newcomers_due(target: int, early_now: int) -> int:
    """How many customers fall behind on a new business date: what brings those 1-29 days past due back
    to ``target``, at most a ``REFILL_DAYS``-th of it (never more than a date's block of numbers)."""
    return max(0, min(target - early_now, math.ceil(target / REFILL_DAYS), PER_DAY))


def newcomer_index(day: date, n: int) -> int:
    """The ``n``-th newcomer of business date ``day``'s number (its cif is ``C`` and these 9 digits)."""
    if not 0 <= n < PER_DAY:
        raise ValueError(f"at most {PER_DAY} newcomers a business date")
    return NEWCOMER_BASE + (day - EPOCH).days * PER_DAY + n


def days_behind(loan: GeneratedLoan, day: date) -> int:
    """How many days before ``day`` the loan's oldest unpaid installment fell due (0: none)."""
    unpaid = next((row.due_date for row in loan.rows if row.due_date < day and row.paid < row.due), None)
    return (day - unpaid).days if unpaid else 0


def _fallen_behind(rng: random.Random, cif: str, account: str, day: date) -> GeneratedLoan:
    """An open loan whose installment fell due ``BEHIND`` days before ``day``, unpaid: due dates are a
    month apart and schedules may have ended, so loans are drawn until one is."""
    for _ in range(MAX_DRAWS):
        due = day - timedelta(days=rng.randint(*BEHIND))
        while due.day > 28:  # schedules fall due on days 1-28
            due -= timedelta(days=1)
        loan = make_loan(rng, cif, account, day - timedelta(days=1), (day - due).days - 1, due_day=due.day)
        if loan.open and BEHIND[0] <= days_behind(loan, day) <= BEHIND[1] + 3:
            return loan
    raise RuntimeError(
        f"no loan {BEHIND[0]}-{BEHIND[1]} days behind in {MAX_DRAWS} draws"
    )  # pragma: no cover


def newcomer(rng: random.Random, index: int, day: date, now: datetime) -> Iterator[tuple[str, str, dict]]:
    """``(topic, key, record)`` of one customer who fell behind: the customer, then one loan whose
    installment fell due a few days before ``day`` (`BEHIND`), sometimes a second one that is current, each
    with its collateral if secured. The loans are the bank's snapshot of the evening before, or of ``now``
    (they are sent now) when that is earlier, as in a demo whose business date runs ahead of the clock:
    either way the simulator's payments of ``day`` all come after it."""
    evening_before = day - timedelta(days=1)
    record = customer(rng, index, evening_before, range(index, index + 1))  # no references to others
    yield "bank.customers", record["cif"], record
    for k in range(rng.choices((1, 2), (75, 25))[0]):
        account = f"LN{index:09d}{k}"
        if k == 0:
            loan = _fallen_behind(rng, record["cif"], account, day)
        else:
            loan = make_loan(rng, record["cif"], account, evening_before, 0)
        taken = min(datetime.fromisoformat(loan.record["as_of"]), now)
        yield "bank.loans", loan.record["account_number"], {**loan.record, "as_of": taken.isoformat()}
        if loan.collateral_type:
            collateral = make_collateral(rng, f"COL{index:09d}{k}", loan, evening_before)
            yield "bank.collaterals", collateral["collateral_number"], collateral
