"""A customer's delinquency is the worst of their loans (domain/customer.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from domain import BucketConfig, LoanView, bucket, roll_up


def view(account: str, dpd: int, overdue: str, outstanding: str, currency: str = "VND") -> LoanView:
    return LoanView(
        account, "C1", currency, date(2026, 2, 1), dpd, bucket(dpd), D(overdue), D(outstanding), None, None
    )


def test_customer_is_as_late_as_their_worst_loan_and_sums_stay_per_currency():
    result = roll_up(
        [view("LN1", 0, "0", "1000"), view("LN2", 45, "300", "700"), view("LN3", 3, "5", "50", "USD")]
    )
    assert (result.cif, result.max_dpd, result.bucket) == ("C1", 45, "30-59")
    assert (result.loans_delinquent, result.loans) == (2, 3)
    assert result.overdue_total == {"VND": D("300"), "USD": D("5")}
    assert result.outstanding_total == {"VND": D("1700"), "USD": D("50")}


def test_a_customer_without_loans_is_current():
    result = roll_up([])
    assert (result.cif, result.max_dpd, result.bucket, result.overdue_total, result.loans) == (
        None,
        0,
        "CURRENT",
        {},
        0,
    )


def test_the_earlier_call_with_the_cif_first_still_works_and_a_config_is_used():
    views = [view("LN1", 45, "300", "700")]
    assert roll_up("C9", views).cif == "C9"
    assert roll_up("C9", views) == roll_up("C9", views, BucketConfig())
    coarse = BucketConfig(((0, "OK"), (31, "LATE")))
    assert roll_up(views, coarse).bucket == "LATE"
    assert roll_up("C9", views, coarse).bucket == "LATE"


loan_views = st.lists(
    st.tuples(
        st.integers(0, 400), st.integers(0, 10_000), st.integers(0, 10_000), st.sampled_from(["VND", "USD"])
    ),
    max_size=8,
).map(lambda rows: [view(f"LN{n}", d, str(o), str(out), c) for n, (d, o, out, c) in enumerate(rows)])


@given(loan_views)
def test_roll_up_properties(views):
    result = roll_up(views)
    assert result.max_dpd == max((v.dpd for v in views), default=0)
    assert result.bucket == bucket(result.max_dpd)
    for currency in {v.currency for v in views}:
        assert result.overdue_total[currency] == sum(
            (v.overdue_amount for v in views if v.currency == currency), D(0)
        )
    assert sum(result.outstanding_total.values(), D(0)) == sum((v.outstanding for v in views), D(0))
    assert roll_up(list(reversed(views))) == roll_up(views)
