from __future__ import annotations

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

import domain
from domain.customer import roll_up
from domain.loan import LoanView
from domain.promises import CountedPayment, Promise, PromiseConfig, PromiseStatus, promise_status

PROMISE = Promise("A1", "C1", "LN1", promised_on=date(2026, 2, 1), due=date(2026, 2, 6), amount=D("1000"))


def paid(day: int, amount: str, account: str = "LN1") -> CountedPayment:
    return CountedPayment(account, date(2026, 2, day), D(amount))


@pytest.mark.parametrize(
    ("payments", "today", "status", "toward"),
    [
        ([], date(2026, 2, 6), PromiseStatus.PENDING, "0"),
        ([], date(2026, 2, 9), PromiseStatus.PENDING, "0"),  # last day of the 3-day grace
        ([], date(2026, 2, 10), PromiseStatus.BROKEN, "0"),
        ([paid(3, "1000")], date(2026, 2, 3), PromiseStatus.KEPT, "1000"),  # kept before the due date
        ([paid(3, "400"), paid(8, "600")], date(2026, 2, 10), PromiseStatus.KEPT, "1000"),  # within grace
        ([paid(3, "400"), paid(10, "600")], date(2026, 2, 10), PromiseStatus.BROKEN, "400"),  # too late
        ([paid(3, "999")], date(2026, 2, 12), PromiseStatus.BROKEN, "999"),
        ([paid(3, "1000", "LN2")], date(2026, 2, 12), PromiseStatus.BROKEN, "0"),  # another loan
    ],
)
def test_promise_status_at_the_grace_boundary(payments, today, status, toward):
    assert promise_status(PROMISE, payments, today) == (status, D(toward))


def test_payments_before_the_promise_do_not_count():
    assert promise_status(
        PROMISE, [CountedPayment("LN1", date(2026, 1, 31), D("1000"))], date(2026, 2, 3)
    ) == (
        PromiseStatus.PENDING,
        D(0),
    )


def test_tolerance_and_a_customer_level_promise():
    loose = PromiseConfig(grace_days=0, tolerance=D("5"))
    assert promise_status(PROMISE, [paid(4, "995")], date(2026, 2, 7), loose)[0] is PromiseStatus.KEPT
    assert promise_status(PROMISE, [paid(4, "994")], date(2026, 2, 7), loose)[0] is PromiseStatus.BROKEN
    any_loan = Promise("A2", "C1", None, date(2026, 2, 1), date(2026, 2, 6), D("1000"))
    status, toward = promise_status(any_loan, [paid(3, "500", "LN2"), paid(4, "500")], date(2026, 2, 4))
    assert (status, toward) == (PromiseStatus.KEPT, D("1000"))


def view(account: str, dpd: int, overdue: str, outstanding: str, currency: str = "VND") -> LoanView:
    return LoanView(
        account, "C1", currency, date(2026, 2, 1), dpd, "x", D(overdue), D(outstanding), None, None
    )


def test_customer_is_as_late_as_their_worst_loan_and_sums_stay_per_currency():
    result = roll_up(
        "C1", [view("LN1", 0, "0", "1000"), view("LN2", 45, "300", "700"), view("LN3", 3, "5", "50", "USD")]
    )
    assert (result.max_dpd, result.bucket, result.loans_delinquent, result.loans) == (45, "30-59", 2, 3)
    assert result.overdue_total == {"VND": D("300"), "USD": D("5")}
    assert result.outstanding_total == {"VND": D("1700"), "USD": D("50")}
    assert roll_up("C2", []).bucket == "CURRENT"


def test_the_domain_never_reads_the_wall_clock():
    """The business date is the only clock: every domain function takes its dates as arguments."""
    for module in Path(domain.__file__).parent.glob("*.py"):
        source = module.read_text()
        for call in ("now(", "today(", "time.time(", "utcnow("):
            assert call not in source, f"{module.name} calls {call}"
