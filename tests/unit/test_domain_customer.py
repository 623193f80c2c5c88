"""A customer's delinquency is the worst of their loans (domain/customer.py)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from domain import BucketConfig, LoanView, bucket, roll_up
from domain.customer import aligned


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


def dated(account: str, dpd: int, day: date, overdue: str = "100") -> LoanView:
    return LoanView(account, "C1", "VND", day, dpd, bucket(dpd), D(overdue), D("1000"), None, None)


def test_loans_recorded_on_different_dates_are_rolled_up_as_of_the_latest():
    # LN1 was last written on 31 Jan at 30 days late (its bucket changed); LN2 got a payment on 10 Feb
    late, paid = dated("LN1", 30, date(2026, 1, 31)), dated("LN2", 0, date(2026, 2, 10), "0")
    result = roll_up([late, paid])
    assert (result.max_dpd, result.bucket, result.loans_delinquent) == (40, "30-59", 1)
    crossing = dated("LN1", 58, date(2026, 1, 31))  # two days on it is 60 days late: the next bucket
    assert roll_up([crossing, paid]).bucket == "60-89"
    assert aligned([late, paid]) == [dated("LN1", 40, date(2026, 2, 10)), paid]
    assert aligned([dated("LN3", 0, date(2026, 1, 1)), paid])[0].dpd == 0  # nothing past due: nothing grows


dated_views = st.lists(st.tuples(st.integers(0, 400), st.integers(0, 30)), min_size=1, max_size=6).map(
    lambda rows: [dated(f"LN{n}", d, date(2026, 2, 1) + timedelta(days=k)) for n, (d, k) in enumerate(rows)]
)


@given(dated_views)
def test_a_roll_up_is_the_same_from_any_loans_record_dated_up_to_the_latest(views):
    latest = max(v.business_date for v in views)
    # each view written again on the latest date, as the delinquency processor would have written it
    rewritten = [
        dated(v.account_number, v.dpd + (latest - v.business_date).days if v.dpd else 0, latest)
        for v in views
    ]
    assert roll_up(views) == roll_up(rewritten)
    assert aligned(aligned(views)) == aligned(views)
