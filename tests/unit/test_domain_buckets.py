from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.buckets import BucketConfig, Transition, bucket, next_bucket_change, transition
from domain.errors import DomainError


@pytest.mark.parametrize(
    ("dpd", "label"),
    [
        (0, "CURRENT"),
        (1, "1-29"),
        (29, "1-29"),
        (30, "30-59"),
        (59, "30-59"),
        (60, "60-89"),
        (89, "60-89"),
        (90, "90-119"),
        (119, "90-119"),
        (120, "120-179"),
        (179, "120-179"),
        (180, "180+"),
        (5000, "180+"),
    ],
)
def test_default_bucket_edges(dpd, label):
    assert bucket(dpd) == label


def test_negative_dpd_is_an_error():
    with pytest.raises(DomainError):
        bucket(-1)


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        ("CURRENT", "1-29", Transition.ENTRY),
        ("CURRENT", "90-119", Transition.ENTRY),
        ("1-29", "30-59", Transition.ROLL_FORWARD),
        ("60-89", "180+", Transition.ROLL_FORWARD),
        ("90-119", "30-59", Transition.ROLL_BACK),
        ("30-59", "1-29", Transition.ROLL_BACK),
        ("180+", "CURRENT", Transition.CURE),
        ("1-29", "CURRENT", Transition.CURE),
        ("30-59", "30-59", None),
        ("CURRENT", "CURRENT", None),
    ],
)
def test_transition_kinds(old, new, kind):
    assert transition(old, new) is kind


def test_configurable_buckets_are_validated_and_used():
    config = BucketConfig(((0, "C"), (1, "X"), (31, "B2"), (91, "NPL")))
    assert [bucket(d, config) for d in (0, 1, 30, 31, 90, 91)] == ["C", "X", "X", "B2", "B2", "NPL"]
    for bad in (((1, "X"),), ((0, "C"), (30, "A"), (30, "B")), ((0, "C"), (1, "C"))):
        with pytest.raises(DomainError):
            BucketConfig(bad)


@given(
    due=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
    today_offset=st.integers(min_value=-60, max_value=400),
)
def test_next_bucket_change_agrees_with_walking_day_by_day(due, today_offset):
    today = due + timedelta(days=today_offset)

    def label(day: date) -> str:
        return bucket(max(0, (day - due).days))

    expected = None
    for step in range(1, 500):
        day = today + timedelta(days=step)
        if label(day) != label(today):
            expected = day
            break
    assert next_bucket_change(due, today) == expected
