from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import orjson
from hypothesis import given
from hypothesis import strategies as st

from domain.aging import AgingIndex
from domain.codec import loan_from_dict, loan_to_dict
from domain.ledger import PaymentEvent, PaymentStatus
from domain.loan import LoanState, Snapshot
from domain.schedule import Installment

START = date(2026, 2, 1)


@given(
    st.lists(st.tuples(st.integers(0, 50), st.one_of(st.none(), st.integers(0, 40))), max_size=60),
    st.integers(0, 45),
)
def test_a_tick_returns_exactly_the_accounts_whose_date_came(moves, tick):
    index, expected = AgingIndex(), {}
    for account_no, offset in moves:
        account = f"LN{account_no}"
        when = None if offset is None else START + timedelta(days=offset)
        index.schedule(account, when)
        expected.pop(account, None)
        if when is not None:
            expected[account] = when
    today = START + timedelta(days=tick)
    assert index.due(today) == sorted(a for a, when in expected.items() if when <= today)
    assert len(index) == sum(1 for when in expected.values() if when > today)
    assert index.due(today) == []


def test_a_tick_over_a_large_book_touches_only_the_due_loans():
    rng = random.Random(1)
    index = AgingIndex()
    for n in range(200_000):
        index.schedule(f"LN{n}", START + timedelta(days=rng.randrange(1, 100)))
    due = index.due(START + timedelta(days=1))
    assert 1_000 < len(due) < 3_000 and len(index) == 200_000 - len(due)


def test_loan_state_survives_a_round_trip_through_json():
    as_of = datetime(2026, 1, 31, 13, tzinfo=UTC)
    snapshot = Snapshot(
        "LN1",
        "C1",
        "VND",
        False,
        D("3600.10"),
        as_of,
        (Installment(date(2026, 1, 15), D("900.05"), D("100"), D("1.5"), D("2"), D("0.3")),),
    )
    state, _ = LoanState("LN1").with_snapshot(snapshot)
    for event in (
        PaymentEvent("P1", D("10.01"), "VND", as_of + timedelta(hours=1), PaymentStatus.COMPLETED),
        PaymentEvent("R1", D("10.01"), "VND", as_of + timedelta(hours=2), PaymentStatus.REVERSED, "P1"),
        PaymentEvent("P2", D("5"), "VND", as_of + timedelta(hours=3), PaymentStatus.PENDING),
        PaymentEvent("R9", D("5"), "VND", as_of + timedelta(hours=3), PaymentStatus.REVERSED, "P9"),
    ):
        state, _ = state.with_payment(event)
    assert loan_from_dict(orjson.loads(orjson.dumps(loan_to_dict(state)))) == state
    held, _ = LoanState("LN2").with_payment(PaymentEvent("P1", D("1"), "VND", as_of, PaymentStatus.COMPLETED))
    assert loan_from_dict(loan_to_dict(held)) == held
