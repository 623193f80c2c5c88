"""Queue priority (domain/priority.py): the worked example, each factor, monotonicity, the weights."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import DomainError, InvalidConfig
from domain.priority import DEFAULT_WEIGHTS, Priority, PriorityWeights, priority

TODAY = date(2026, 3, 2)


def rank(**kwargs) -> Priority | None:
    given_ = {"dpd": 45, "overdue_amount": D("1250.00"), "currency": "USD", "business_date": TODAY} | kwargs
    return priority(**given_)


def test_the_worked_example_with_the_default_weights():
    score, reason = rank(broken_promises=1, follow_up_date=TODAY)
    # 45 days + 20 * log10(1251) + 15 for the broken promise + 40 for the follow-up due today
    assert score == pytest.approx(45 + 20 * 3.0972573 + 15 + 40, abs=1e-6)
    assert reason == "DPD 45 (30-59), overdue 1,250.00 USD, 1 broken promise, follow-up due today"


@pytest.mark.parametrize("overdue", [D(0), 0, "0.00"])
def test_nothing_overdue_is_not_queued(overdue):
    assert rank(dpd=0, overdue_amount=overdue) is None
    assert rank(dpd=0, overdue_amount=overdue, broken_promises=3, follow_up_date=TODAY) is None


def test_an_installment_due_today_is_queued_at_the_bottom():
    due_today = rank(dpd=0, overdue_amount=D("100"))
    assert due_today is not None and due_today.reason.startswith("DPD 0 (CURRENT), overdue 100.00 USD")
    assert due_today.score < rank(dpd=1, overdue_amount=D("100")).score


def test_each_factor_moves_the_score_the_right_way():
    base = rank().score
    assert rank(dpd=46).score > base
    assert rank(overdue_amount=D("1251")).score > base
    assert rank(broken_promises=2).score > rank(broken_promises=1).score > base
    assert rank(follow_up_date=TODAY - timedelta(days=3)).score == pytest.approx(base + 40)
    assert rank(follow_up_date=TODAY + timedelta(days=1)).score == base  # not due yet
    assert rank(last_contact_date=TODAY).score == pytest.approx(base - 60)
    assert rank(last_contact_date=TODAY - timedelta(days=1)).score == pytest.approx(base - 40)
    assert rank(last_contact_date=TODAY - timedelta(days=2)).score == pytest.approx(base - 20)
    assert rank(last_contact_date=TODAY - timedelta(days=3)).score == base  # the dip is over
    assert rank(last_contact_date=TODAY + timedelta(days=1)).score == base  # a future contact is ignored


def test_caps_on_dpd_and_broken_promises():
    assert rank(dpd=360).score == rank(dpd=900).score
    assert rank(broken_promises=5).score == rank(broken_promises=50).score


def test_a_huge_balance_does_not_swamp_lateness():
    small_but_late = rank(dpd=120, overdue_amount=D("500"))
    huge_but_recent = rank(dpd=5, overdue_amount=D("5000000"))
    assert small_but_late.score > huge_but_recent.score


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"broken_promises": 2}, "2 broken promises"),
        ({"follow_up_date": TODAY - timedelta(days=1)}, "follow-up 1 day overdue"),
        ({"follow_up_date": TODAY - timedelta(days=4)}, "follow-up 4 days overdue"),
        ({"last_contact_date": TODAY}, "contacted today, so lower for 3 days"),
        ({"last_contact_date": TODAY - timedelta(days=1)}, "contacted yesterday, so lower for 2 days"),
        ({"last_contact_date": TODAY - timedelta(days=2)}, "contacted 2 days ago, so lower for 1 day"),
        ({"dpd": 200, "overdue_amount": D("1234567.891")}, "DPD 200 (180+), overdue 1,234,567.89 USD"),
        ({"overdue_amount": D("2774590.00"), "currency": "VND"}, "overdue 2,774,590 VND"),  # whole dong
    ],
)
def test_the_reason_says_why(kwargs, words):
    assert words in rank(**kwargs).reason


def test_bad_input_is_refused():
    with pytest.raises(DomainError, match="not float"):
        rank(overdue_amount=12.5)
    with pytest.raises(DomainError, match="negative"):
        rank(dpd=-1)
    with pytest.raises(DomainError, match="negative"):
        rank(broken_promises=-1)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"per_dpd_day": -1.0},
        {"max_dpd_counted": 1.5},
        {"after_contact_days": True},
        {"follow_up_due": float("nan")},
        {"per_broken_promise": float("inf")},
        {"per_tenfold_overdue": "20"},
    ],
)
def test_weights_are_checked(kwargs):
    with pytest.raises(InvalidConfig):
        PriorityWeights(**kwargs)


def test_custom_weights():
    dpd_only = PriorityWeights(per_tenfold_overdue=0, per_broken_promise=0, follow_up_due=0, after_contact=0)
    assert rank(weights=dpd_only, broken_promises=3, follow_up_date=TODAY).score == 45
    assert PriorityWeights() == DEFAULT_WEIGHTS


amounts = st.decimals(min_value=D("0.01"), max_value=D("1e12"), places=2)
situations = st.fixed_dictionaries(
    {
        "broken_promises": st.integers(0, 10),
        "follow_up_date": st.none() | st.dates(TODAY - timedelta(days=10), TODAY + timedelta(days=10)),
        "last_contact_date": st.none() | st.dates(TODAY - timedelta(days=10), TODAY),
    }
)


@given(st.integers(0, 2000), st.integers(0, 2000), amounts, situations)
def test_monotone_in_dpd(dpd_a, dpd_b, overdue, situation):
    low, high = sorted((dpd_a, dpd_b))
    assert (
        rank(dpd=low, overdue_amount=overdue, **situation).score
        <= rank(dpd=high, overdue_amount=overdue, **situation).score
    )


@given(amounts, amounts, st.integers(0, 2000), situations)
def test_monotone_in_overdue(a, b, dpd, situation):
    low, high = sorted((a, b))
    assert (
        rank(dpd=dpd, overdue_amount=low, **situation).score
        <= rank(dpd=dpd, overdue_amount=high, **situation).score
    )


@given(st.integers(0, 2000), amounts, situations)
def test_a_broken_promise_or_a_due_follow_up_never_lowers_the_rank(dpd, overdue, situation):
    before = rank(dpd=dpd, overdue_amount=overdue, **situation).score
    more_broken = situation | {"broken_promises": situation["broken_promises"] + 1}
    assert rank(dpd=dpd, overdue_amount=overdue, **more_broken).score >= before
    assert rank(dpd=dpd, overdue_amount=overdue, **(situation | {"follow_up_date": TODAY})).score >= before
