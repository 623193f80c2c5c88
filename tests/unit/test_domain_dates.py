"""Day arithmetic that saturates at the calendar's ends, and the rules that use it on dates near them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from domain.buckets import DEFAULT_BUCKETS, next_change_date
from domain.dates import add_days
from domain.promises import Promise, PromiseStatus, promise_status

DAYS = st.integers(-(10**7), 10**7)


@given(st.dates(), DAYS)
def test_add_days_is_plain_arithmetic_inside_the_calendar_and_stops_at_its_ends(day, days):
    moved = add_days(day, days)
    try:
        assert moved == day + timedelta(days=days)
    except OverflowError:
        assert moved == (date.max if days > 0 else date.min)


def test_add_days_examples():
    assert add_days(date(2026, 1, 31), 1) == date(2026, 2, 1)
    assert add_days(date(9999, 12, 31), 1) == date.max
    assert add_days(date(1, 1, 5), -30) == date.min


def test_a_bucket_change_past_the_calendar_is_one_that_never_comes_before_its_end():
    assert next_change_date(date(9999, 12, 31), date(2026, 1, 1), DEFAULT_BUCKETS) == date.max
    assert next_change_date(date(9999, 12, 1), date(9999, 12, 31), DEFAULT_BUCKETS) == date.max


def test_a_promise_due_on_the_last_day_of_the_calendar_stays_pending():
    promise = Promise("A1", "C1", None, date(2026, 1, 1), date.max, Decimal("100"))
    assert promise_status(promise, [], date(2199, 12, 31)) == (PromiseStatus.PENDING, Decimal(0))
