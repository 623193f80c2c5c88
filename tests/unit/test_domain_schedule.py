"""The rules over a bare installment schedule (domain/schedule.py): worked examples, then properties."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from domain.schedule import (
    Installment,
    apply_payment,
    apply_payments,
    days_past_due,
    in_due_order,
    next_event,
    overdue_amount,
    unpaid,
)

ON = date(2026, 1, 31)


def schedule_of(*rows):
    return tuple(Installment(date.fromisoformat(d), D(p), D(i), paid=D(paid)) for d, p, i, paid in rows)


# Four monthly installments of 1,000 (900 principal + 100 interest); the oldest partly paid. On 2026-01-31
# three of them are overdue.
LATE = schedule_of(
    ("2025-11-15", "900", "100", "400"),
    ("2025-12-15", "900", "100", "0"),
    ("2026-01-15", "900", "100", "0"),
    ("2026-02-15", "900", "100", "0"),
)


def test_an_installment_owes_principal_interest_fees_and_penalty():
    row = Installment(date(2026, 1, 15), D("900"), D("100"), D("15.50"), D("4.50"), paid=D("20"))
    assert row.amount_due == D("1020.00") and row.unpaid == D("1000.00")
    # within an installment money covers fees and penalty, then interest, then principal
    assert row.principal_paid == 0
    assert (
        Installment(date(2026, 1, 15), D("900"), D("100"), D("15"), D("5"), paid=D("320")).principal_paid
        == 200
    )
    assert Installment(date(2026, 1, 15), D("900"), paid=D("950")).unpaid == 0  # overpaid: nothing owed


def test_worked_example_dpd_and_overdue():
    # by hand: the oldest unpaid installment is due 2025-11-15; 2026-01-31 − 2025-11-15 = 16 + 31 + 30 = 77
    assert days_past_due(LATE, ON) == 77
    assert overdue_amount(LATE, ON) == D("2600")  # 600 + 1,000 + 1,000; February's is not due yet
    assert unpaid(LATE, ON) == (
        (date(2025, 11, 15), D("600")),
        (date(2025, 12, 15), D("1000")),
        (date(2026, 1, 15), D("1000")),
    )
    assert len(unpaid(LATE)) == 4
    # the installment due on the business date itself is overdue but not yet a day late
    assert days_past_due(LATE, date(2025, 11, 15)) == 0
    assert overdue_amount(LATE, date(2025, 11, 15)) == D("600")
    assert days_past_due(LATE, date(2025, 11, 16)) == 1
    # before anything is due
    assert days_past_due(LATE, date(2025, 11, 14)) == 0 and overdue_amount(LATE, date(2025, 11, 14)) == 0


def test_partial_payment_keeps_the_oldest_installment_late():
    paid, excess = apply_payment(LATE, D("599"))
    assert days_past_due(paid, ON) == 77 and excess == 0
    assert overdue_amount(paid, ON) == D("2001")
    paid = apply_payments(LATE, D("600"))
    assert days_past_due(paid, ON) == 47  # now 2025-12-15 is the oldest unpaid
    assert overdue_amount(paid, ON) == D("2000")


def test_overpayment_spills_into_later_installments_and_returns_the_excess():
    paid, excess = apply_payment(LATE, D("2700"))
    assert days_past_due(paid, ON) == 0 and overdue_amount(paid, ON) == 0
    assert [r.paid for r in paid] == [D("1000"), D("1000"), D("1000"), D("100")]  # 100 toward February
    paid, excess = apply_payment(LATE, D("4000"))
    assert [r.paid for r in paid] == [D("1000")] * 4
    assert excess == D("400")
    assert apply_payments(LATE, D("4000")) == paid


def test_nothing_or_a_negative_amount_changes_nothing():
    assert apply_payment(LATE, D("0")) == (LATE, 0)
    assert apply_payment(LATE, D("-5")) == (LATE, 0)
    assert apply_payments(LATE, D("0")) is LATE


def test_a_negative_total_is_taken_back_newest_installment_first():
    paid = apply_payments(LATE, D("2500"))
    assert [r.paid for r in paid] == [D("1000"), D("1000"), D("900"), D("0")]
    assert [r.paid for r in apply_payments(paid, D("-1200"))] == [D("1000"), D("700"), D("0"), D("0")]
    assert [r.paid for r in apply_payments(paid, D("-9999"))] == [D("0")] * 4  # never below nothing paid


def test_closed_loan_has_no_delinquency():
    assert days_past_due(LATE, ON, closed=True) == 0
    assert overdue_amount(LATE, ON, closed=True) == 0


def test_schedules_are_put_in_due_date_order():
    shuffled = (LATE[2], LATE[0], LATE[3], LATE[1])
    assert in_due_order(shuffled) == LATE
    assert in_due_order(LATE) is LATE  # already in order: no copy


def test_next_event_is_the_next_boundary_or_due_date():
    # oldest due 2025-11-15: 60-89 until 2026-02-13 (90 days); next installment falls due 2026-02-15
    assert next_event(LATE, ON) == date(2026, 2, 13)
    current = apply_payments(LATE, D("2600"))
    assert next_event(current, ON) == date(2026, 2, 15)  # the next installment falls due
    assert next_event(apply_payments(LATE, D("3600")), ON) is None


# --- properties -------------------------------------------------------------------------------------------

money = st.decimals(min_value=D("0.01"), max_value=D("5000"), places=2)
schedules = st.lists(st.tuples(money, money, st.integers(0, 100)), min_size=1, max_size=12).map(
    lambda rows: tuple(
        Installment(date(2025, 1, 15) + timedelta(days=30 * n), p, i, paid=(p + i) * pct // 100)
        for n, (p, i, pct) in enumerate(rows)
    )
)
days = st.dates(min_value=date(2024, 12, 1), max_value=date(2026, 6, 1))


@given(schedules, days)
def test_paying_the_whole_overdue_amount_cures(schedule, on):
    paid = apply_payments(schedule, overdue_amount(schedule, on))
    assert days_past_due(paid, on) == 0
    assert overdue_amount(paid, on) == 0
    assert unpaid(paid, on) == ()


@given(schedules, days, money)
def test_paying_less_than_the_overdue_amount_leaves_the_loan_late(schedule, on, short):
    due = overdue_amount(schedule, on)
    if due <= short:
        return
    paid = apply_payments(schedule, due - short)
    assert days_past_due(paid, on) > 0 or any(r.due_date == on and r.unpaid for r in paid)
    assert overdue_amount(paid, on) == short


@given(schedules, days)
def test_dpd_is_bounded(schedule, on):
    dpd = days_past_due(schedule, on)
    assert 0 <= dpd <= max(0, (on - schedule[0].due_date).days)


@given(schedules, days)
def test_overdue_is_the_sum_of_the_overdue_unpaid_installments(schedule, on):
    assert overdue_amount(schedule, on) == sum((owed for _, owed in unpaid(schedule, on)), D(0))
    dpd = days_past_due(schedule, on)
    oldest = unpaid(schedule, on)
    assert dpd == ((on - oldest[0][0]).days if oldest else 0)


@given(schedules, st.lists(money, max_size=6))
def test_payments_in_pieces_equal_one_payment_of_the_sum(schedule, pieces):
    step = schedule
    for piece in pieces:
        step = apply_payments(step, piece)
    assert step == apply_payments(schedule, sum(pieces, D(0)))


@given(schedules, money)
def test_money_is_neither_made_nor_lost(schedule, amount):
    paid, excess = apply_payment(schedule, amount)
    before = sum((r.paid for r in schedule), D(0))
    after = sum((r.paid for r in paid), D(0))
    assert after - before + excess == amount
    assert all(r.paid <= max(r.amount_due, old.paid) for r, old in zip(paid, schedule, strict=True))
