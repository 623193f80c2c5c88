"""The delinquency rules under the orders a running processor meets: snapshots, payments, date ticks and
their continuations (a tick ages at most `limit` loans per message) interleaved at random, with newer dates
arriving while an older one is still being worked off. Whatever the order, each loan ends as the domain
rules compute it from all of its events on the last date; and each loan's history (its records and
transitions, with their dates) does not depend on how the dates' parts interleave."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.ledger import PaymentEvent, PaymentStatus
from domain.loan import LoanState, Snapshot
from domain.schedule import Installment
from processors.delinquency import logic
from tests.fakes import DictState

AS_OF = datetime(2026, 1, 31, 13, tzinfo=UTC)
DATES = [date(2026, 2, 1) + timedelta(days=n) for n in range(30)]
AMOUNTS = ["1031.79", "1057.42", "500", "2000.10", "25.63", "3000"]


def _monthly(start: date, n: int) -> date:
    months = start.month - 1 + n
    return date(start.year + months // 12, months % 12 + 1, start.day)


def _loan(n: int, rnd: random.Random) -> Snapshot:
    start = date(2025, rnd.randint(1, 12), 2)
    rows = []
    for k in range(rnd.randint(3, 14)):
        due, amount = _monthly(start, k), Decimal(rnd.choice(AMOUNTS))
        paid = amount if due < date(2025, 11, 1) and rnd.random() < 0.8 else Decimal(0)
        rows.append(Installment(due, amount, paid=paid))
    return Snapshot(f"LN{n:03d}", f"C{n}", "USD", False, Decimal("99999"), AS_OF, tuple(rows))


def _payments(loans: list[Snapshot], rnd: random.Random) -> list[tuple[str, PaymentEvent]]:
    return [
        (
            rnd.choice(loans).account_number,
            PaymentEvent(
                f"P{n}",
                Decimal(rnd.choice(AMOUNTS)),
                "USD",
                datetime(2026, 2, 1, tzinfo=UTC)
                + timedelta(days=rnd.randint(0, 30), hours=rnd.randint(0, 23)),
                PaymentStatus.COMPLETED,
            ),
        )
        for n in range(12)
    ]


def _process_in_random_order(loans, payments, limit: int, rnd: random.Random) -> DictState:
    """Three topics read in their own order each, interleaved at random, as the processor reads them; a
    tick not done is sent again (a continuation) and read some time later."""
    store: dict = {}
    state_of = lambda prefix: DictState(store, prefix)  # noqa: E731
    queues = {"loan": list(loans), "payment": list(payments), "date": list(DATES), "continuation": []}
    while any(queues.values()):
        kind = rnd.choice([name for name, waiting in queues.items() if waiting])
        message = queues[kind].pop(0)
        if kind == "loan":
            logic.on_snapshot(state_of, message)
        elif kind == "payment":
            logic.on_payment(state_of, *message)
        else:
            _outputs, done = logic.on_business_date(state_of, message, limit)
            if not done:
                queues["continuation"].append(message)
    return state_of


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from([1, 2, 3, 100]))
def test_every_loan_ends_as_the_rules_say_whatever_the_order_of_its_events(seed, limit):
    rnd = random.Random(seed)
    loans = [_loan(n, rnd) for n in range(8)]
    payments = _payments(loans, rnd)
    state_of = _process_in_random_order(loans, payments, limit, rnd)
    for loan in loans:
        expected = LoanState(loan.account_number).with_snapshot(loan)[0]
        for account, payment in payments:
            if account == loan.account_number:
                expected = expected.with_payment(payment)[0]
        want = expected.view(DATES[-1])
        got = state_of(loan.account_number).get("view")
        assert (Decimal(got["overdue_amount"]), got["bucket"]) == (want.overdue_amount, want.bucket), loan


def _histories(outputs) -> dict[str, list]:
    """Each loan's records and transitions, in the order they were emitted."""
    found: dict[str, list] = {}
    for topic, key, value in outputs:
        if topic in (logic.LOANS, logic.TRANSITIONS):
            found.setdefault(key, []).append((topic, value))
    return found


def _loaded(loans) -> tuple[dict, object]:
    store: dict = {}
    state_of = lambda prefix: DictState(store, prefix)  # noqa: E731
    for loan in loans:
        logic.on_snapshot(state_of, loan)
    return store, state_of


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from([1, 2, 3, 5]))
def test_a_loans_history_is_that_of_dates_worked_off_one_at_a_time_however_they_arrive(seed, limit):
    """A bulk load's dates come together, newer ones arriving while an older one is worked off in parts.
    Each loan's records and transitions, their dates and revisions included, must be those of each date
    worked off whole before the next arrives: a transition is dated the day it happened, whatever the
    processor's speed."""
    rnd = random.Random(seed)
    loans = [_loan(n, rnd) for n in range(8)]
    dates = sorted(rnd.sample(DATES, rnd.randint(2, 8)))
    _, whole = _loaded(loans)
    expected = []
    for day in dates:
        outputs, done = logic.on_business_date(whole, day, limit=10**6)
        assert done
        expected += outputs
    _, state_of = _loaded(loans)
    arriving, continuations, got = list(dates), [], []
    while arriving or continuations:
        waiting = [queue for queue in (arriving, continuations) if queue]
        message = rnd.choice(waiting).pop(0)
        outputs, done = logic.on_business_date(state_of, message, limit)
        got += outputs
        if not done:
            continuations.append(message)
    assert _histories(got) == _histories(expected)


def test_a_loan_aged_on_the_first_date_is_aged_again_when_a_newer_date_cuts_in():
    """Found at 20,000 customers: the first date's catch-up aged some loans, filing each under its next
    event, and a newer date came before it finished; that date never looked at those loans again."""
    store: dict = {}
    state_of = lambda prefix: DictState(store, prefix)  # noqa: E731
    due = [Installment(date(2026, 2, 2), Decimal("100")), Installment(date(2026, 3, 2), Decimal("100"))]
    for account in ("LN1", "LN2"):
        logic.on_snapshot(state_of, Snapshot(account, "C1", "USD", False, Decimal("200"), AS_OF, tuple(due)))
    assert logic.on_business_date(state_of, date(2026, 2, 1), limit=1)[1] is False  # LN1 only: filed 02-02
    outputs, done = logic.on_business_date(state_of, date(2026, 2, 2), limit=5)
    assert done and {key for _topic, key, _value in outputs} == {"LN1", "LN2"}
    assert state_of("LN1").get("view")["overdue_amount"] == "100"
