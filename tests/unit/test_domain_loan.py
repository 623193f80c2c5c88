"""One loan: the bank's snapshot plus payments (domain/loan.py, domain/ledger.py, domain/codec.py)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import (
    ConflictingPayment,
    CurrencyMismatch,
    Effect,
    Installment,
    InvalidPayment,
    LoanState,
    Payment,
    PaymentStatus,
    Snapshot,
    WrongAccount,
    aged,
    apply_payments,
    dpd,
    oldest_unpaid_due_date,
    overdue_amount,
    unpaid,
    with_payment,
    with_snapshot,
)
from domain.codec import loan_from_dict, loan_to_dict
from domain.ledger import PaymentEvent

AS_OF = datetime(2026, 1, 31, 13, 0, tzinfo=UTC)
ON = date(2026, 1, 31)
COMPLETED, PENDING, FAILED, REVERSED = (
    PaymentStatus.COMPLETED,
    PaymentStatus.PENDING,
    PaymentStatus.FAILED,
    PaymentStatus.REVERSED,
)

# Four monthly installments of 1,000 (900 principal + 100 interest); 400 of the oldest paid by the bank.
LATE = tuple(
    Installment(date.fromisoformat(d), D("900"), D("100"), paid=D(paid))
    for d, paid in (("2025-11-15", "400"), ("2025-12-15", "0"), ("2026-01-15", "0"), ("2026-02-15", "0"))
)
SNAPSHOT = Snapshot("LN1", "C1", "VND", False, D("3600"), AS_OF, LATE)
BASE = with_snapshot(LoanState("LN1"), SNAPSHOT)[0]


def pay(ref, amount, minutes=60, status=COMPLETED, reverses=None, currency="VND", account="LN1"):
    return Payment(ref, account, D(amount), currency, AS_OF + timedelta(minutes=minutes), status, reverses)


def reversal(ref, of, amount, minutes=120):
    return pay(ref, amount, minutes, REVERSED, of)


def apply_all(state, events):
    for event in events:
        state = (
            with_snapshot(state, event)[0] if isinstance(event, Snapshot) else with_payment(state, event)[0]
        )
    return state


def figures(state, on=ON):
    """The derived views that a reversal must restore."""
    return dpd(state, on), overdue_amount(state, on), unpaid(state, on), unpaid(state)


# --- worked examples --------------------------------------------------------------------------------------


def test_the_snapshot_alone():
    assert figures(BASE) == (
        77,
        D("2600"),
        ((date(2025, 11, 15), D("600")), (date(2025, 12, 15), D("1000")), (date(2026, 1, 15), D("1000"))),
        (
            (date(2025, 11, 15), D("600")),
            (date(2025, 12, 15), D("1000")),
            (date(2026, 1, 15), D("1000")),
            (date(2026, 2, 15), D("1000")),
        ),
    )
    assert oldest_unpaid_due_date(BASE, ON) == date(2025, 11, 15)
    assert oldest_unpaid_due_date(BASE, date(2025, 11, 14)) is None  # nothing due yet
    view = BASE.view(ON)
    assert (view.dpd, view.bucket, view.overdue_amount, view.outstanding) == (
        77,
        "60-89",
        D("2600"),
        D("3600"),
    )
    assert (view.oldest_unpaid_due, view.next_event) == (date(2025, 11, 15), date(2026, 2, 13))
    assert (BASE.cif, BASE.currency, BASE.status, BASE.as_of, BASE.installments) == (
        "C1",
        "VND",
        "OPEN",
        AS_OF,
        LATE,
    )


def test_a_loan_without_its_snapshot_has_no_figures_yet():
    empty = LoanState("LN1")
    assert figures(empty) == (0, 0, (), ())
    assert empty.view(ON) is None and empty.cif is None and empty.installments == ()


def test_payments_before_the_snapshot_are_already_in_it():
    state, effect = with_payment(BASE, pay("P0", "600", minutes=-5))
    assert effect is Effect.IGNORED and state is BASE  # paid_at ≤ as_of: the bank's figures include it
    state, effect = with_payment(BASE, pay("P0", "600", minutes=0))
    assert effect is Effect.IGNORED and state is BASE  # at as_of exactly: included too


def test_a_payment_is_counted_once_and_a_reversal_undoes_it():
    state, effect = with_payment(BASE, pay("P1", "600"))
    assert effect is Effect.APPLIED and dpd(state, ON) == 47 and overdue_amount(state, ON) == D("2000")
    again, effect = with_payment(state, pay("P1", "600"))
    assert effect is Effect.DUPLICATE and again is state
    undone, effect = with_payment(state, reversal("R1", "P1", "600"))
    assert effect is Effect.REVERSAL and figures(undone) == figures(BASE)
    again, effect = with_payment(undone, reversal("R1", "P1", "600"))
    assert effect is Effect.DUPLICATE and again is undone
    # a second reversal message of the same payment undoes nothing more
    twice, effect = with_payment(undone, reversal("R2", "P1", "600"))
    assert effect is Effect.DUPLICATE and figures(twice) == figures(BASE)


def test_a_reversal_that_arrives_first_cancels_its_payment():
    state, effect = with_payment(BASE, reversal("R1", "P1", "600"))
    # until its payment arrives, it undoes money the bank's figures hold (all 400 of them here)
    assert effect is Effect.UNKNOWN_REVERSAL and overdue_amount(state, ON) == overdue_amount(BASE, ON) + 400
    state, effect = with_payment(state, pay("P1", "600"))
    assert effect is Effect.IGNORED and figures(state) == figures(BASE)


# The oldest installment paid in full by the bank: 47 days past due on ON, the next one's.
PAID_FIRST = with_snapshot(
    LoanState("LN1"),
    Snapshot("LN1", "C1", "VND", False, D("3600"), AS_OF, (replace(LATE[0], paid=D("1000")), *LATE[1:])),
)[0]


def test_a_reversal_of_a_payment_in_the_snapshot_takes_it_off_the_banks_figures():
    """The bank's snapshot holds the payment (made before its as_of); the reversal came after it."""
    assert dpd(PAID_FIRST, ON) == 47 and overdue_amount(PAID_FIRST, ON) == D("2000")
    paid_before = pay("P0", "600", minutes=-60)
    state, effect = with_payment(PAID_FIRST, paid_before)
    assert effect is Effect.IGNORED and state is PAID_FIRST  # already in the bank's figures
    undone, effect = with_payment(state, reversal("R0", "P0", "600"))
    assert effect is Effect.UNKNOWN_REVERSAL
    assert dpd(undone, ON) == 77 and overdue_amount(undone, ON) == D("2600")
    assert undone.schedule()[0].paid == D("400") and undone.view(ON).outstanding == D("4200")
    # the same without the payment ever streamed (made before the CRM was connected), and twice
    twice = apply_all(PAID_FIRST, [reversal("R0", "P0", "600"), reversal("R1", "P0", "600")])
    assert figures(twice) == figures(undone)
    # the bank's next snapshot, after the reversal, has it in its figures: nothing is taken off twice
    newer = Snapshot("LN1", "C1", "VND", False, D("4200"), AS_OF + timedelta(hours=3), undone.schedule())
    assert figures(with_snapshot(undone, newer)[0]) == figures(undone)


def test_a_reversal_of_a_payment_seen_only_pending_takes_nothing_off():
    state = apply_all(PAID_FIRST, [pay("P1", "600", status=PENDING), reversal("R1", "P1", "600")])
    assert figures(state) == figures(PAID_FIRST)
    # in the other order too, and then completed: recorded, and undone by its reversal
    state = apply_all(PAID_FIRST, [reversal("R1", "P1", "600"), pay("P1", "600", status=FAILED)])
    assert figures(state) == figures(PAID_FIRST)
    assert figures(with_payment(state, pay("P1", "600"))[0]) == figures(PAID_FIRST)


def test_pending_and_failed_payments_reduce_nothing_until_completed():
    state, effect = with_payment(BASE, pay("P1", "600", status=PENDING))
    assert effect is Effect.IGNORED and figures(state) == figures(BASE)
    assert state.ledger.uncounted == {"P1": AS_OF + timedelta(minutes=60)}  # see the reversal tests
    pending = state
    state, effect = with_payment(state, pay("P1", "600", status=FAILED))
    assert effect is Effect.IGNORED and state is pending
    assert with_payment(BASE, pay("P0", "600", minutes=-5, status=PENDING))[0] is BASE  # before the snapshot
    state, effect = with_payment(state, pay("P1", "600"))
    assert effect is Effect.APPLIED and dpd(state, ON) == 47
    later, effect = with_payment(state, pay("P1", "600", status=PENDING))
    assert effect is Effect.IGNORED and later is state


def test_overpayment_and_a_cure():
    state, _ = with_payment(BASE, pay("P1", "2600"))
    assert figures(state)[:3] == (0, 0, ())
    assert state.view(ON).bucket == "CURRENT" and state.view(ON).next_event == date(2026, 2, 15)
    state, _ = with_payment(state, pay("P2", "5000"))  # more than everything owed
    assert unpaid(state) == () and state.view(ON).next_event is None


def test_a_closed_loan_has_dpd_zero():
    closed = Snapshot("LN1", "C1", "VND", True, D("0"), AS_OF + timedelta(days=1), LATE)
    state, accepted = with_snapshot(BASE, closed)
    assert accepted and state.status == "CLOSED"
    assert figures(state) == (0, 0, (), ())
    assert oldest_unpaid_due_date(state, ON) is None
    view = state.view(ON)
    assert (view.dpd, view.bucket, view.overdue_amount, view.next_event) == (0, "CURRENT", 0, None)


def test_payment_before_its_loan_is_held_and_counted_on_arrival():
    state, effect = with_payment(LoanState("LN1"), pay("P1", "2600"))
    assert effect is Effect.APPLIED and state.view(ON) is None
    state, accepted = with_snapshot(state, SNAPSHOT)
    assert accepted and dpd(state, ON) == 0


def test_an_older_snapshot_is_ignored_and_a_newer_one_takes_over():
    state, _ = with_payment(BASE, pay("P1", "600"))
    older = Snapshot("LN1", "C1", "VND", False, D("3600"), AS_OF - timedelta(days=1), LATE)
    same, accepted = with_snapshot(state, older)
    assert not accepted and same is state
    same, accepted = with_snapshot(state, SNAPSHOT)  # equal as_of: ignored too
    assert not accepted and same is state
    # the bank's next snapshot already includes P1 in its paid figures
    newer = Snapshot(
        "LN1", "C1", "VND", False, D("3000"), AS_OF + timedelta(days=1), apply_payments(LATE, D("600"))
    )
    state, accepted = with_snapshot(state, newer)
    assert accepted and dpd(state, ON) == 47  # P1 is not applied twice...
    assert state.ledger.entries == {}  # ...and no longer kept


def test_a_newer_snapshot_keeps_the_payments_made_after_it():
    state = apply_all(
        BASE,
        [pay("P1", "100", minutes=60), pay("P2", "200", minutes=3 * 60), reversal("R2", "P2", "200", 4 * 60)],
    )
    newer = Snapshot(
        "LN1", "C1", "VND", False, D("3600"), AS_OF + timedelta(hours=2), apply_payments(LATE, D("100"))
    )
    state, _ = with_snapshot(state, newer)
    assert set(state.ledger.entries) == {"P2"} and set(state.ledger.reversals) == {"R2"}
    assert overdue_amount(state, ON) == D("2500")


def test_the_schedule_is_taken_oldest_first_whatever_order_the_bank_sent():
    shuffled = Snapshot("LN1", "C1", "VND", False, D("3600"), AS_OF, (LATE[3], LATE[1], LATE[0], LATE[2]))
    assert shuffled == SNAPSHOT
    state, _ = with_payment(with_snapshot(LoanState("LN1"), shuffled)[0], pay("P1", "600"))
    assert dpd(state, ON) == 47


def test_outstanding_falls_by_the_principal_paid_after_the_snapshot():
    # the 400 paid before had covered the first installment's interest, so all of these 600 are principal
    state, _ = with_payment(BASE, pay("P1", "600"))
    assert state.view(ON).outstanding == D("3000")
    # of the next 1,000, 100 is interest and 900 principal
    state, _ = with_payment(state, pay("P2", "1000"))
    assert state.view(ON).outstanding == D("2100")


def test_events_that_cannot_belong_to_the_loan_are_refused():
    with pytest.raises(CurrencyMismatch, match="payment P1 is in USD but loan LN1 is in VND"):
        with_payment(BASE, pay("P1", "10", currency="USD"))
    with pytest.raises(WrongAccount, match="payment P1 of loan LN2 applied to LN1"):
        with_payment(BASE, pay("P1", "10", account="LN2"))
    with pytest.raises(WrongAccount):
        with_snapshot(LoanState("LN2"), SNAPSHOT)
    with pytest.raises(InvalidPayment, match="R1 does not name"):
        with_payment(BASE, pay("R1", "10", status=REVERSED))
    state, _ = with_payment(BASE, pay("P1", "10"))
    with pytest.raises(ConflictingPayment, match="P1 arrived again"):
        with_payment(state, pay("P1", "11"))


def test_a_payment_in_another_currency_before_the_snapshot_never_counts():
    state, _ = with_payment(LoanState("LN1"), pay("P1", "600", currency="USD"))
    state, _ = with_snapshot(state, SNAPSHOT)
    assert dpd(state, ON) == 77 and state.payments_in_other_currency() == ["P1"]


def test_the_earlier_payment_constructor_still_works():
    old = PaymentEvent("P1", D("600"), "VND", AS_OF + timedelta(hours=1), COMPLETED)
    assert old.reference == old.reference_number == "P1" and old.account_number is None
    assert dpd(with_payment(BASE, old)[0], ON) == 47


# --- storage ----------------------------------------------------------------------------------------------


def test_state_round_trips_through_json_compactly():
    state = apply_all(
        BASE,
        [pay("P1", "10.01"), reversal("R1", "P1", "10.01"), reversal("R9", "P9", "5"), pay("P2", "1E+2")],
    )
    data = orjson.loads(orjson.dumps(state.to_dict()))
    assert LoanState.from_dict(data) == state
    assert data["entries"]["P2"] == ["100", "VND", "2026-01-31T14:00:00+00:00"]  # no exponent
    assert data["reversals"]["R9"] == ["P9", "2026-01-31T15:00:00+00:00", "5", "VND"]
    assert "entries" not in BASE.to_dict() and "reversals" not in BASE.to_dict()
    held, _ = with_payment(LoanState("LN2"), pay("P1", "1", account="LN2"))
    assert loan_from_dict(loan_to_dict(held)) == held


def test_state_read_without_its_schedule_keeps_everything_else():
    state = apply_all(BASE, [pay("P1", "10.01"), reversal("R1", "P1", "10.01")])
    partial = loan_from_dict(loan_to_dict(state), schedule=False)
    assert partial.snapshot.schedule == () and partial.ledger == state.ledger
    assert replace(partial.snapshot, schedule=state.snapshot.schedule) == state.snapshot


def test_state_written_in_the_earlier_layout_still_loads():
    data = loan_to_dict(BASE)
    data["entries"] = {
        "P1": ["600", "VND", "2026-01-31T14:00:00+00:00", "COMPLETED"],
        "P2": ["5", "VND", "2026-01-31T14:00:00+00:00", "PENDING"],
        "P3": ["7", "VND", "2026-01-31T14:00:00+00:00", "COMPLETED"],
    }
    data["reversed"], data["reversals"] = ["P3"], {"R3": "P3"}
    state = loan_from_dict(data)
    assert set(state.ledger.entries) == {"P1", "P3"} and state.ledger.reversed == {"P3"}
    assert dpd(state, ON) == 47
    # reversals kept without the undone amount (before 2026-12-06) take nothing off the snapshot
    data = {**loan_to_dict(PAID_FIRST), "reversals": {"R9": ["P9", "2026-01-31T15:00:00+00:00"]}}
    state = loan_from_dict(data)
    assert state.ledger.reversals["R9"].amount is None and figures(state) == figures(PAID_FIRST)


# --- properties -------------------------------------------------------------------------------------------

money = st.decimals(min_value=D("0.01"), max_value=D("3000"), places=2)


@st.composite
def schedules(draw):
    """Installments from a random first due date, 1 to 45 days apart, each partly paid by the bank."""
    due = draw(st.dates(min_value=date(2025, 8, 1), max_value=date(2026, 2, 28)))
    rows = []
    for _ in range(draw(st.integers(1, 8))):
        amount, pct = draw(money), draw(st.integers(0, 100))
        rows.append(Installment(due, amount, paid=amount * pct // 100))
        due += timedelta(days=draw(st.integers(1, 45)))
    return tuple(rows)


days = st.dates(min_value=date(2025, 7, 1), max_value=date(2026, 12, 31))
bases = schedules().map(
    lambda s: with_snapshot(LoanState("LN1"), Snapshot("LN1", "C1", "VND", False, D(0), AS_OF, s))[0]
)


@st.composite
def message_sets(draw):
    """Payment messages as on the wire: each reference always names one payment; some are repeated, some
    reversed (possibly twice), some pending or failed first; some made before the snapshot's as_of."""
    messages = []
    for n in range(draw(st.integers(0, 6))):
        ref, amount = f"P{n}", draw(money)
        minutes = draw(st.integers(-600, 600))
        for status in draw(st.lists(st.sampled_from([COMPLETED, PENDING, FAILED]), min_size=1, max_size=3)):
            messages.append(pay(ref, amount, minutes, status))
        for k in range(draw(st.integers(0, 2))):
            messages.append(reversal(f"R{n}.{k}", ref, amount, minutes + draw(st.integers(1, 600))))
    return messages


@given(bases, days)
def test_paying_the_full_overdue_amount_yields_dpd_zero(base, on):
    due = overdue_amount(base, on)
    if due > 0:
        state, effect = with_payment(base, pay("PX", due))
        assert effect is Effect.APPLIED
    else:
        state = base
    assert (
        dpd(state, on) == 0 and overdue_amount(state, on) == 0 and oldest_unpaid_due_date(state, on) is None
    )


@given(bases, message_sets(), money, st.booleans(), days)
def test_a_reversal_restores_the_state_before_its_payment(base, messages, amount, reversal_first, on):
    before = apply_all(base, messages)
    payment, undo = pay("PNEW", amount, 30), reversal("RNEW", "PNEW", amount, 90)
    after = apply_all(before, [undo, payment] if reversal_first else [payment, undo])
    assert figures(after, on) == figures(before, on)
    assert after.view(on) == before.view(on)


@given(bases, message_sets())
def test_applying_a_payment_twice_equals_applying_it_once(base, messages):
    once = apply_all(base, messages)
    assert apply_all(once, messages) == once
    for message in messages:
        single = with_payment(base, message)[0]
        assert with_payment(single, message)[0] == single


@settings(max_examples=200)
@given(schedules(), message_sets(), st.randoms(use_true_random=False))
def test_order_of_arrival_does_not_change_the_result(schedule, messages, rnd):
    first = Snapshot("LN1", "C1", "VND", False, D(0), AS_OF, schedule)
    second = Snapshot(
        "LN1", "C1", "VND", False, D(0), AS_OF + timedelta(hours=3), apply_payments(schedule, D(50))
    )
    events = [first, second, *messages]
    expected = apply_all(LoanState("LN1"), events)
    for _ in range(3):
        rnd.shuffle(events)
        got = apply_all(LoanState("LN1"), events)
        assert got == expected  # the whole state, not only its figures
        assert orjson.dumps(got.to_dict()) == orjson.dumps(expected.to_dict())


@given(bases, message_sets(), days)
def test_dpd_is_never_negative_nor_beyond_the_first_due_date(base, messages, on):
    state = apply_all(base, messages)
    first_due = state.installments[0].due_date
    assert 0 <= dpd(state, on) <= max(0, (on - first_due).days)
    assert state.view(on).dpd == dpd(state, on)
    assert state.view(on).overdue_amount == overdue_amount(state, on)


@given(bases, message_sets())
def test_any_state_round_trips_through_its_dict(base, messages):
    state = apply_all(base, messages)
    assert LoanState.from_dict(orjson.loads(orjson.dumps(state.to_dict()))) == state


def test_many_random_histories_agree_with_a_direct_computation():
    """Independent oracle: the figures equal the snapshot with the sum of live payments applied at once."""
    rng = random.Random(3)
    for _ in range(300):
        schedule = tuple(
            Installment(
                date(2025, 9, 15) + timedelta(days=30 * n),
                D(rng.randrange(1, 2000)),
                paid=D(rng.randrange(0, 500)),
            )
            for n in range(rng.randrange(1, 10))
        )
        base = with_snapshot(LoanState("LN1"), Snapshot("LN1", "C1", "VND", False, D(0), AS_OF, schedule))[0]
        live = D(0)
        events = []
        for n in range(rng.randrange(0, 6)):
            amount, minutes = D(rng.randrange(1, 1500)), rng.randrange(-300, 300)
            events.append(pay(f"P{n}", amount, minutes))
            reversed_ = rng.random() < 0.3
            if reversed_:
                events.append(reversal(f"R{n}", f"P{n}", amount, minutes + 10))
            if minutes > 0 and not reversed_:
                live += amount
            if minutes <= 0 < minutes + 10 and reversed_:  # in the bank's figures, reversed after them
                live -= amount
        rng.shuffle(events)
        state = apply_all(base, events)
        on = date(2025, 9, 1) + timedelta(days=rng.randrange(0, 300))
        direct = apply_payments(schedule, live)
        assert dpd(state, on) == next(
            ((on - r.due_date).days for r in direct if r.unpaid and r.due_date <= on), 0
        )


@given(bases, message_sets(), days, st.integers(0, 400), st.booleans())
def test_ageing_the_view_equals_recomputing_it(base, messages, start, later, closed):
    """What a date tick does (age the last view with the unpaid rows only) equals the full computation."""
    state = apply_all(base, messages)
    if closed:
        state = with_snapshot(state, replace(state.snapshot, closed=True, as_of=AS_OF + timedelta(days=1)))[0]
    on = start + timedelta(days=later)
    assert aged(state.view(start), unpaid(state), on) == state.view(on)
