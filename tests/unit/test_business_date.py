"""`domain.business_date.advance`: forward only, at most a bounded step at a time."""

from __future__ import annotations

from datetime import date

import pytest

from domain.business_date import DEFAULT_MAX_STEP_DAYS, advance
from domain.errors import BusinessDateJump

LATEST = date(2026, 12, 7)


def test_the_first_date_is_taken_as_it_is_however_far():
    assert advance(None, date(2199, 12, 31), 1) == date(2199, 12, 31)


def test_a_later_date_within_the_step_becomes_the_latest_and_an_earlier_one_changes_nothing():
    assert advance(LATEST, date(2027, 1, 7), DEFAULT_MAX_STEP_DAYS) == date(2027, 1, 7)  # 31 days: the most
    assert advance(LATEST, date(2026, 12, 8), 1) == date(2026, 12, 8)
    assert advance(LATEST, date(2020, 1, 1), 1) == LATEST  # a date published again, or one typed too early
    assert advance(LATEST, LATEST, 1) == LATEST


def test_a_date_past_the_step_is_refused_saying_how_far_and_how_to_move_that_far():
    with pytest.raises(BusinessDateJump) as refused:
        advance(LATEST, date(2062, 12, 7), DEFAULT_MAX_STEP_DAYS)  # 2062 typed for 2026
    assert str(refused.value) == (
        "business date 2062-12-07 is 13,149 days after the latest, 2026-12-07; one date may move at most 31 "
        "days (CRM_BUSINESS_DATE_MAX_STEP_DAYS): a date typed wrong would age every loan for good; to move "
        "that far on purpose, publish dates in between"
    )
    with pytest.raises(BusinessDateJump):
        advance(LATEST, date(2027, 1, 8), DEFAULT_MAX_STEP_DAYS)  # 32 days
    # in between, within the step each time, the same date is reached
    assert advance(advance(LATEST, date(2027, 1, 7), 31), date(2027, 1, 8), 31) == date(2027, 1, 8)
