from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import CurrencyMismatch
from domain.ledger import Effect, PaymentEvent, PaymentStatus
from domain.loan import LoanState, Snapshot
from domain.schedule import Installment, apply_payment, days_past_due, next_event, overdue_amount

AS_OF = datetime(2026, 1, 31, 13, 0, tzinfo=UTC)
ON = date(2026, 1, 31)


def schedule_of(*rows):
    return tuple(Installment(date.fromisoformat(d), D(p), D(i), paid=D(paid)) for d, p, i, paid in rows)


# Three monthly installments of 1,000 (900 principal + 100 interest); the oldest partly paid.
LATE = schedule_of(
    ("2025-11-15", "900", "100", "400"),
    ("2025-12-15", "900", "100", "0"),
    ("2026-01-15", "900", "100", "0"),
    ("2026-02-15", "900", "100", "0"),
)


def test_worked_example_dpd_and_overdue():
    # oldest unpaid installment due 2025-11-15 → 77 days late on 2026-01-31; 600 + 1,000 + 1,000 overdue
    assert days_past_due(LATE, ON) == 77
    assert overdue_amount(LATE, ON) == D("2600")
    # the installment due on the business date itself is overdue but not yet a day late
    assert days_past_due(LATE, date(2025, 11, 15)) == 0
    assert overdue_amount(LATE, date(2025, 11, 15)) == D("600")


def test_partial_payment_keeps_the_oldest_installment_late():
    paid, excess = apply_payment(LATE, D("599"))
    assert days_past_due(paid, ON) == 77 and excess == 0
    paid, _ = apply_payment(LATE, D("600"))
    assert days_past_due(paid, ON) == 47  # now 2025-12-15 is the oldest unpaid


def test_overpayment_spills_into_later_installments_and_returns_the_excess():
    paid, excess = apply_payment(LATE, D("4000"))
    assert days_past_due(paid, ON) == 0 and overdue_amount(paid, ON) == 0
    assert [r.paid for r in paid] == [D("1000")] * 4
    assert excess == D("400")


def test_closed_loan_has_no_delinquency():
    assert days_past_due(LATE, ON, closed=True) == 0
    assert overdue_amount(LATE, ON, closed=True) == 0


def test_next_event_is_the_next_boundary_or_due_date():
    # oldest due 2025-11-15: 60-89 until 2026-02-13 (90 days); next installment falls due 2026-02-15
    assert next_event(LATE, ON) == date(2026, 2, 13)
    current = apply_payment(LATE, D("2600"))[0]
    assert next_event(current, ON) == date(2026, 2, 15)  # the next installment falls due
    assert next_event(apply_payment(LATE, D("3600"))[0], ON) is None


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
    paid, _ = apply_payment(schedule, overdue_amount(schedule, on))
    assert days_past_due(paid, on) == 0
    assert overdue_amount(paid, on) == 0


@given(schedules, days)
def test_dpd_is_bounded(schedule, on):
    dpd = days_past_due(schedule, on)
    assert 0 <= dpd <= max(0, (on - schedule[0].due_date).days)


@given(schedules, st.lists(money, max_size=6))
def test_payments_in_pieces_equal_one_payment_of_the_sum(schedule, pieces):
    step = schedule
    for piece in pieces:
        step = apply_payment(step, piece)[0]
    assert step == apply_payment(schedule, sum(pieces, D(0)))[0]


# --- the loan state: snapshot + ledger ----------------------------------------------------------------------

SNAPSHOT = Snapshot("LN1", "C1", "VND", False, D("3600"), AS_OF, LATE)


def pay(ref, amount, minutes=60, status=PaymentStatus.COMPLETED, reverses=None, currency="VND"):
    return PaymentEvent(ref, D(amount), currency, AS_OF + timedelta(minutes=minutes), status, reverses)


def apply_all(state, events):
    for event in events:
        state, _ = state.with_payment(event)
    return state


def test_payments_before_the_snapshot_are_already_in_it():
    state, _ = LoanState("LN1").with_snapshot(SNAPSHOT)
    state, effect = state.with_payment(pay("P0", "600", minutes=-5))
    assert effect is Effect.APPLIED
    assert state.view(ON).dpd == 77  # paid_at ≤ as_of: the bank's figures include it


def test_a_payment_is_counted_once_and_a_reversal_undoes_it():
    state, _ = LoanState("LN1").with_snapshot(SNAPSHOT)
    state, effect = state.with_payment(pay("P1", "600"))
    assert effect is Effect.APPLIED and state.view(ON).dpd == 47
    again, effect = state.with_payment(pay("P1", "600"))
    assert effect is Effect.DUPLICATE and again == state
    undone, effect = state.with_payment(pay("R1", "600", 90, PaymentStatus.REVERSED, "P1"))
    assert effect is Effect.REVERSED and undone.view(ON).dpd == 77
    assert undone.view(ON).overdue_amount == D("2600")


def test_pending_and_failed_payments_reduce_nothing_until_completed():
    state, _ = LoanState("LN1").with_snapshot(SNAPSHOT)
    state, effect = state.with_payment(pay("P1", "600", status=PaymentStatus.PENDING))
    assert effect is Effect.NOT_COUNTED and state.view(ON).dpd == 77
    state, effect = state.with_payment(pay("P1", "600"))
    assert effect is Effect.APPLIED and state.view(ON).dpd == 47
    state, effect = state.with_payment(pay("P1", "600", status=PaymentStatus.PENDING))
    assert effect is Effect.DUPLICATE and state.view(ON).dpd == 47


def test_payment_before_its_loan_is_held_and_counted_on_arrival():
    state, _ = LoanState("LN1").with_payment(pay("P1", "2600"))
    assert state.view(ON) is None
    state, accepted = state.with_snapshot(SNAPSHOT)
    assert accepted and state.view(ON).dpd == 0


def test_an_older_snapshot_is_ignored_and_a_newer_one_takes_over():
    state, _ = LoanState("LN1").with_snapshot(SNAPSHOT)
    state, _ = state.with_payment(pay("P1", "600"))
    older = Snapshot("LN1", "C1", "VND", False, D("3600"), AS_OF - timedelta(days=1), LATE)
    same, accepted = state.with_snapshot(older)
    assert not accepted and same == state
    # the bank's next snapshot already includes P1 in its paid figures
    newer_schedule = apply_payment(LATE, D("600"))[0]
    newer = Snapshot("LN1", "C1", "VND", False, D("3600"), AS_OF + timedelta(days=1), newer_schedule)
    state, accepted = state.with_snapshot(newer)
    assert accepted and state.view(ON).dpd == 47  # P1 is not applied twice


def test_a_payment_in_another_currency_is_refused():
    state, _ = LoanState("LN1").with_snapshot(SNAPSHOT)
    with pytest.raises(CurrencyMismatch, match="payment P1 is in USD but loan LN1 is in VND"):
        state.with_payment(pay("P1", "10", currency="USD"))


def test_outstanding_falls_by_the_principal_paid_after_the_snapshot():
    state, _ = LoanState("LN1").with_snapshot(SNAPSHOT)
    # the 400 paid before had covered the first installment's interest, so all of these 600 are principal
    state, _ = state.with_payment(pay("P1", "600"))
    assert state.view(ON).outstanding == D("3000")
    # of the next 1,000, 100 is interest and 900 principal
    state, _ = state.with_payment(pay("P2", "1000"))
    assert state.view(ON).outstanding == D("2100")


events = st.lists(
    st.tuples(
        st.sampled_from(["P1", "P2", "P3", "P4"]),
        st.sampled_from(["100", "600", "1000", "2500"]),
        st.sampled_from(list(PaymentStatus)),
        st.integers(1, 1000),
    ),
    max_size=10,
).map(
    lambda rows: [
        pay(
            f"R{ref}" if status is PaymentStatus.REVERSED else ref,
            amount,
            minutes,
            status,
            ref if status is PaymentStatus.REVERSED else None,
        )
        for ref, amount, status, minutes in rows
    ]
)


@settings(max_examples=200)
@given(events, st.randoms(use_true_random=False))
def test_order_of_arrival_does_not_change_the_result(batch, rnd):
    # one amount and time per reference, as on the wire: a reference always names the same payment
    first = {}
    for event in batch:
        first.setdefault(event.reference, event)
    batch = [
        PaymentEvent(
            e.reference, first[e.reference].amount, "VND", first[e.reference].paid_at, e.status, e.reverses
        )
        for e in batch
    ]
    base, _ = LoanState("LN1").with_snapshot(SNAPSHOT)
    shuffled = list(batch)
    rnd.shuffle(shuffled)
    assert apply_all(base, batch).view(ON) == apply_all(base, shuffled).view(ON)
    # and applying everything twice is the same as once
    assert apply_all(base, batch + batch).view(ON) == apply_all(base, batch).view(ON)


@given(st.sampled_from(["100", "600", "1000", "2500"]))
def test_a_reversal_restores_the_state_before_its_payment(amount):
    base, _ = LoanState("LN1").with_snapshot(SNAPSHOT)
    state = apply_all(base, [pay("P1", amount), pay("R1", amount, 120, PaymentStatus.REVERSED, "P1")])
    assert state.view(ON) == base.view(ON)
    early = apply_all(base, [pay("R1", amount, 120, PaymentStatus.REVERSED, "P1"), pay("P1", amount)])
    assert early.view(ON) == base.view(ON)
