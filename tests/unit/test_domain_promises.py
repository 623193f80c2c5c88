from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidConfig
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


def test_reversed_payments_do_not_count():
    reversed_ = CountedPayment("LN1", date(2026, 2, 3), D("1000"), reversed=True)
    assert promise_status(PROMISE, [reversed_], date(2026, 2, 4)) == (PromiseStatus.PENDING, D(0))
    assert promise_status(PROMISE, [reversed_], date(2026, 2, 10)) == (PromiseStatus.BROKEN, D(0))


def test_a_kept_promise_stays_kept_after_the_grace_period():
    assert promise_status(PROMISE, [paid(6, "1200")], date(2026, 3, 1)) == (PromiseStatus.KEPT, D("1200"))


@pytest.mark.parametrize(
    ("grace_days", "tolerance"),
    [(-1, D(0)), (3, D("-0.01")), (3, 0.5)],
)
def test_bad_promise_settings_are_refused(grace_days, tolerance):
    with pytest.raises(InvalidConfig):
        PromiseConfig(grace_days=grace_days, tolerance=tolerance)


@given(
    grace=st.integers(0, 10),
    paid_on_offset=st.integers(-8, 15),
    today_offset=st.integers(-3, 20),
    short=st.sampled_from([D(0), D("0.01")]),
)
def test_kept_or_broken_at_the_exact_grace_boundary(grace, paid_on_offset, today_offset, short):
    """One payment of the whole amount (or a cent short): kept iff made by due + grace, from the promise's
    day on, and already made by today; broken iff not kept and today is past due + grace."""
    config = PromiseConfig(grace_days=grace)
    last_day = PROMISE.due + timedelta(days=grace)
    paid_on = PROMISE.due + timedelta(days=paid_on_offset)
    today = PROMISE.due + timedelta(days=today_offset)
    payment = CountedPayment("LN1", paid_on, PROMISE.amount - short)
    status, toward = promise_status(PROMISE, [payment], today, config)
    counts = PROMISE.promised_on <= paid_on <= last_day and paid_on <= today
    assert toward == (payment.amount if counts else 0)
    if counts and short == 0:
        assert status is PromiseStatus.KEPT
    elif today > last_day:
        assert status is PromiseStatus.BROKEN
    else:
        assert status is PromiseStatus.PENDING


@given(
    grace=st.integers(0, 10),
    paid_on_offset=st.integers(-8, 15),
    today_offset=st.integers(-3, 20),
    ahead=st.integers(0, 30),
)
def test_payments_dated_ahead_count_but_only_the_business_date_breaks(
    grace, paid_on_offset, today_offset, ahead
):
    """With payments counted through a later day than the business date (one dated ahead of it): the
    amount is the later day's, and the promise breaks only when the business date is past its last day."""
    config = PromiseConfig(grace_days=grace)
    last_day = PROMISE.due + timedelta(days=grace)
    today = PROMISE.due + timedelta(days=today_offset)
    through = today + timedelta(days=ahead)
    payment = CountedPayment("LN1", PROMISE.due + timedelta(days=paid_on_offset), PROMISE.amount)
    status, toward = promise_status(PROMISE, [payment], today, config, payments_through=through)
    assert toward == promise_status(PROMISE, [payment], through, config)[1]
    if toward >= PROMISE.amount:
        assert status is PromiseStatus.KEPT
    else:
        assert status is (PromiseStatus.BROKEN if today > last_day else PromiseStatus.PENDING)
