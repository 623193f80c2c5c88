from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.buckets import (
    DEFAULT_BUCKETS,
    BucketConfig,
    Transition,
    bucket,
    next_bucket_change,
    next_change_date,
    transition,
)
from domain.errors import DomainError, InvalidConfig, UnknownBucket


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
    assert config.current == "C" and config.labels == ("C", "X", "B2", "NPL")
    # as it comes from a JSON settings file: lists, not tuples
    assert BucketConfig([[0, "C"], [1, "X"], [31, "B2"], [91, "NPL"]]) == config


@pytest.mark.parametrize(
    ("bounds", "reason"),
    [
        ((), "start at 0"),
        (((1, "X"),), "start at 0"),
        (((0, "C"), (30, "A"), (30, "B")), "strictly increasing"),
        (((0, "C"), (30, "A"), (10, "B")), "strictly increasing"),
        (((0, "C"), (1, "C")), "unique"),
        (((0, "C"), (1, "")), "non-empty"),
        (((0, "C"), (1.5, "X")), "whole numbers"),
    ],
)
def test_bad_bucket_configurations_are_refused(bounds, reason):
    with pytest.raises(InvalidConfig, match=reason):
        BucketConfig(bounds)


def test_an_unknown_bucket_label_is_a_domain_error():
    with pytest.raises(UnknownBucket, match="'B9'"):
        transition("CURRENT", "B9")
    assert issubclass(UnknownBucket, DomainError)


labels = st.sampled_from(DEFAULT_BUCKETS.labels)


@given(labels, labels)
def test_transition_kinds_follow_the_bucket_order(old, new):
    kind, rank = transition(old, new), DEFAULT_BUCKETS.rank
    if old == new:
        assert kind is None
    elif new == "CURRENT":
        assert kind is Transition.CURE
    elif old == "CURRENT":
        assert kind is Transition.ENTRY
    else:
        assert kind is (Transition.ROLL_FORWARD if rank(new) > rank(old) else Transition.ROLL_BACK)


configs = st.lists(st.integers(1, 200), min_size=0, max_size=8, unique=True).map(
    lambda lows: BucketConfig(((0, "CURRENT"), *((low, f"B{low}") for low in sorted(lows))))
)


@given(
    due=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
    today_offset=st.integers(min_value=-60, max_value=400),
    config=st.one_of(st.just(DEFAULT_BUCKETS), configs),
)
def test_next_change_date_agrees_with_walking_day_by_day(due, today_offset, config):
    today = due + timedelta(days=today_offset)

    def label(day: date) -> str:
        return bucket(max(0, (day - due).days), config)

    expected = None
    for step in range(1, 500):
        day = today + timedelta(days=step)
        if label(day) != label(today):
            expected = day
            break
    assert next_change_date(due, today, config) == expected


def test_next_change_date_examples():
    due = date(2026, 1, 1)
    assert next_change_date(None, date(2026, 3, 1)) is None  # nothing unpaid: never changes on its own
    assert next_change_date(due, date(2025, 12, 20)) == date(2026, 1, 2)  # not due yet: 1 DPD on the 2nd
    assert next_change_date(due, due) == date(2026, 1, 2)
    assert next_change_date(due, date(2026, 1, 30)) == date(2026, 1, 31)  # 29 → 30 DPD
    assert next_change_date(due, date(2026, 1, 31)) == date(2026, 3, 2)  # then 60 DPD
    assert next_change_date(due, date(2026, 6, 30)) is None  # 180+ is the last bucket
    assert next_bucket_change is next_change_date  # the earlier name
