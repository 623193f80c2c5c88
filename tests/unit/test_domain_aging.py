"""The ageing index (domain/aging.py) and the tick design it serves: touch only loans whose date came."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from domain import AgingIndex, Installment, LoanState, Snapshot, with_snapshot

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
    assert {a: index.date_of(a) for a in expected} == expected
    today = START + timedelta(days=tick)
    assert index.due(today) == sorted(a for a, when in expected.items() if when <= today)
    assert len(index) == sum(1 for when in expected.values() if when > today)
    assert index.due(today) == []  # taken out: a second tick on the same date finds nothing


def test_a_tick_over_a_large_book_touches_only_the_due_loans():
    rng = random.Random(1)
    index = AgingIndex()
    for n in range(200_000):
        index.schedule(f"LN{n}", START + timedelta(days=rng.randrange(1, 100)))
    due = index.due(START + timedelta(days=1))
    assert 1_000 < len(due) < 3_000 and len(index) == 200_000 - len(due)
    assert all(index.date_of(a) is None for a in due)


AS_OF = datetime(2026, 1, 31, 13, tzinfo=UTC)
loans = st.lists(
    st.lists(
        st.tuples(st.integers(0, 120), st.integers(1, 500), st.integers(0, 500)), min_size=1, max_size=4
    ),
    min_size=1,
    max_size=15,
)


@settings(max_examples=100, deadline=None)
@given(loans, st.lists(st.integers(1, 40), min_size=1, max_size=8))
def test_ticking_only_the_due_loans_equals_recomputing_every_loan(books, steps):
    """The whole point of the index: after any sequence of business dates, the loans re-viewed only when
    their date came show exactly what recomputing every loan on every date would show."""
    states = {}
    for n, rows in enumerate(books):
        schedule = tuple(
            Installment(START + timedelta(days=offset), D(amount), paid=D(paid))
            for offset, amount, paid in rows
        )
        account = f"LN{n}"
        states[account] = with_snapshot(
            LoanState(account), Snapshot(account, "C1", "VND", False, D(0), AS_OF, schedule)
        )[0]
    index, shown = AgingIndex(), {}
    today = START
    for account, state in states.items():
        shown[account] = state.view(today)
        index.schedule(account, shown[account].next_event)
    for step in steps:
        today += timedelta(days=step)
        for account in index.due(today):
            shown[account] = states[account].view(today)
            index.schedule(account, shown[account].next_event)
        for account, state in states.items():
            fresh = state.view(today)
            assert (
                shown[account].bucket,
                shown[account].overdue_amount,
                shown[account].oldest_unpaid_due,
            ) == (
                fresh.bucket,
                fresh.overdue_amount,
                fresh.oldest_unpaid_due,
            )
