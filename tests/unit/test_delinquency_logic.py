"""The delinquency processor's rules over a dict-backed state store (the app wires the same functions)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest

from domain.errors import CurrencyMismatch
from domain.ledger import PaymentEvent, PaymentStatus
from domain.loan import Snapshot
from domain.schedule import Installment
from processors.delinquency import logic
from tests.fakes import DictState

AS_OF = datetime(2026, 1, 31, 13, tzinfo=UTC)


@pytest.fixture
def state_of():
    store: dict = {}
    return lambda prefix: DictState(store, prefix)


def snapshot(account="LN1", paid_first="0", as_of=AS_OF) -> Snapshot:
    rows = tuple(
        Installment(
            date(2026, 1, 15) + timedelta(days=31 * n),
            D("900"),
            D("100"),
            paid=D(paid_first if n == 0 else "0"),
        )
        for n in range(3)
    )
    return Snapshot(account, "C1", "VND", False, D("2700"), as_of, rows)


def pay(ref, amount, status=PaymentStatus.COMPLETED, reverses=None, currency="VND"):
    return PaymentEvent(ref, D(amount), currency, AS_OF + timedelta(hours=1), status, reverses)


def records(outputs, topic=logic.LOANS):
    return [value for t, _key, value in outputs if t == topic]


def test_loans_wait_for_the_first_business_date_then_all_are_evaluated(state_of):
    assert logic.on_snapshot(state_of, snapshot("LN1")) == []
    assert logic.on_snapshot(state_of, snapshot("LN2", paid_first="1000")) == []
    out = logic.on_business_date(state_of, date(2026, 2, 1))
    by_account = {r["account_number"]: r for r in records(out)}
    assert by_account["LN1"]["dpd"] == 17 and by_account["LN1"]["bucket"] == "1-29"
    assert by_account["LN1"]["overdue_amount"] == "1000"
    assert by_account["LN2"]["dpd"] == 0 and by_account["LN2"]["bucket"] == "CURRENT"


def test_a_tick_ages_only_loans_whose_date_came_and_reports_transitions(state_of):
    logic.on_snapshot(state_of, snapshot("LN1"))
    logic.on_business_date(state_of, date(2026, 2, 1))
    # LN1 (oldest unpaid 2026-01-15) reaches 30 DPD on 2026-02-14; its 2nd installment falls due 02-15
    assert logic.on_business_date(state_of, date(2026, 2, 10)) == []
    out = logic.on_business_date(state_of, date(2026, 2, 14))
    assert [r["bucket"] for r in records(out)] == ["30-59"]
    [move] = records(out, logic.TRANSITIONS)
    assert (move["from_bucket"], move["to_bucket"], move["kind"]) == ("1-29", "30-59", "ROLL_FORWARD")
    assert logic.on_business_date(state_of, date(2026, 2, 14)) == []  # a repeated tick does nothing
    assert logic.on_business_date(state_of, date(2026, 2, 3)) == []  # an old tick does nothing


def test_a_payment_that_clears_arrears_cures_at_once(state_of):
    logic.on_snapshot(state_of, snapshot("LN1"))
    logic.on_business_date(state_of, date(2026, 2, 1))
    out = logic.on_payment(state_of, "LN1", pay("P1", "1000"))
    [record] = records(out)
    assert (record["dpd"], record["bucket"], record["overdue_amount"]) == (0, "CURRENT", "0")
    assert records(out, logic.TRANSITIONS)[0]["kind"] == "CURE"
    assert logic.on_payment(state_of, "LN1", pay("P1", "1000")) == []  # the duplicate changes nothing
    out = logic.on_payment(state_of, "LN1", pay("R1", "1000", PaymentStatus.REVERSED, "P1"))
    assert records(out)[0]["bucket"] == "1-29" and records(out, logic.TRANSITIONS)[0]["kind"] == "ENTRY"


def test_revisions_increase_with_every_emitted_change(state_of):
    logic.on_snapshot(state_of, snapshot("LN1"))
    logic.on_business_date(state_of, date(2026, 2, 1))
    first = records(logic.on_payment(state_of, "LN1", pay("P1", "100")))[0]["revision"]
    second = records(logic.on_payment(state_of, "LN1", pay("P2", "100")))[0]["revision"]
    assert second == first + 1


def test_payment_before_its_loan_counts_when_the_loan_arrives(state_of):
    logic.on_business_date(state_of, date(2026, 2, 1))
    assert logic.on_payment(state_of, "LN1", pay("P1", "1000")) == []
    [record] = records(logic.on_snapshot(state_of, snapshot("LN1")))
    assert record["bucket"] == "CURRENT"


def test_an_older_snapshot_is_ignored(state_of):
    logic.on_business_date(state_of, date(2026, 2, 1))
    logic.on_snapshot(state_of, snapshot("LN1", paid_first="1000"))
    assert logic.on_snapshot(state_of, snapshot("LN1", as_of=AS_OF - timedelta(days=1))) == []


def test_a_payment_in_another_currency_raises_for_the_dead_letter_queue(state_of):
    logic.on_snapshot(state_of, snapshot("LN1"))
    with pytest.raises(CurrencyMismatch):
        logic.on_payment(state_of, "LN1", pay("P1", "5", currency="USD"))
