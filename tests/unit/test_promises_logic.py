"""The promises processor's rules over a dict-backed state store (the app wires the same functions)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal as D

import pytest

from domain.promises import PromiseConfig
from processors.common.routing import Routed
from processors.promises import logic
from processors.promises.sink import ACTION_ROWS, ACTIONS, action_rows
from tests.fakes import DictState

CONFIG = PromiseConfig(grace_days=3)


@pytest.fixture
def state_of():
    store: dict = {}
    return lambda prefix: DictState(store, prefix)


def action(
    action_id="A1",
    due=date(2026, 3, 10),
    amount="500",
    account="LN1",
    at=datetime(2026, 3, 1, 10, tzinfo=UTC),
):
    return {
        "action_id": action_id,
        "cif": "C1",
        "account_number": account,
        "agent_id": "AG1",
        "at": at,
        "result": "PROMISE_TO_PAY",
        "promise": {"date": due, "amount": D(amount)},
    }


def fact(ref, amount, paid_on="2026-03-05", account="LN1", reverses=None):
    return {
        "cif": "C1",
        "account_number": account,
        "reference_number": ref,
        "amount": amount,
        "currency": "VND",
        "paid_on": paid_on,
        "reverses": reverses,
    }


def statuses(outputs):
    return [(v["action_id"], v["status"], v["paid"]) for _t, _k, v in outputs]


def test_a_promise_is_made_pending_then_kept_by_payments_reaching_its_amount(state_of):
    logic.on_business_date(state_of, date(2026, 3, 1), CONFIG)
    assert statuses(logic.on_action(state_of, action(), CONFIG)) == [("A1", "PENDING", "0")]
    assert statuses(logic.on_payment_fact(state_of, fact("P1", "200"), CONFIG)) == [("A1", "PENDING", "200")]
    assert statuses(logic.on_payment_fact(state_of, fact("P2", "300"), CONFIG)) == [("A1", "KEPT", "500")]
    assert logic.on_payment_fact(state_of, fact("P2", "300"), CONFIG) == []  # the same payment again


def test_a_promise_breaks_on_the_business_date_after_its_grace_period(state_of):
    logic.on_business_date(state_of, date(2026, 3, 1), CONFIG)
    logic.on_action(state_of, action(), CONFIG)
    logic.on_payment_fact(state_of, fact("P1", "100"), CONFIG)
    assert logic.on_business_date(state_of, date(2026, 3, 13), CONFIG) == []  # last day of grace
    assert statuses(logic.on_business_date(state_of, date(2026, 3, 20), CONFIG)) == [("A1", "BROKEN", "100")]
    assert logic.on_business_date(state_of, date(2026, 3, 21), CONFIG) == []  # nothing else is due


def settled(outputs):
    return [(v["status"], v["settled_on"]) for _t, _k, v in outputs]


def test_a_promise_is_dated_the_day_the_rules_kept_or_broke_it(state_of):
    """The dashboard's "kept today" and "broken today" count promises by this date, whatever day made; it is
    the rules' date, not the day the processor noticed, so a replay dates it the same."""
    logic.on_business_date(state_of, date(2026, 3, 1), CONFIG)
    assert settled(logic.on_action(state_of, action(), CONFIG)) == [("PENDING", None)]
    logic.on_business_date(state_of, date(2026, 3, 5), CONFIG)
    # kept on the date of the payment that reached the amount, though it arrived on a later business date
    assert settled(logic.on_payment_fact(state_of, fact("P1", "500", "2026-03-04"), CONFIG)) == [
        ("KEPT", "2026-03-04")
    ]
    # more paid later: still kept on the day it was; one dated earlier that arrives late moves it there
    assert settled(logic.on_payment_fact(state_of, fact("P2", "50", "2026-03-05"), CONFIG)) == [
        ("KEPT", "2026-03-04")
    ]
    assert settled(logic.on_payment_fact(state_of, fact("P0", "500", "2026-03-02"), CONFIG)) == [
        ("KEPT", "2026-03-02")
    ]
    # all undone: pending again, judged on no day; then broken the day after its date plus grace (03-10 + 3),
    # though the next business date published is later
    for ref in ("P0", "P1", "P2"):
        out = logic.on_payment_fact(state_of, fact(f"R-{ref}", "0", "2026-03-05", reverses=ref), CONFIG)
    assert settled(out) == [("PENDING", None)]
    assert settled(logic.on_business_date(state_of, date(2026, 3, 16), CONFIG)) == [("BROKEN", "2026-03-14")]


def test_the_day_a_promise_was_judged_does_not_depend_on_arrival_order():
    events = [
        ("date", date(2026, 3, 1)),
        ("action", action()),
        ("payment", fact("P1", "300", "2026-03-03")),
        ("date", date(2026, 3, 6)),
        ("payment", fact("P2", "200", "2026-03-05")),
        ("payment", fact("P3", "100", "2026-03-04")),
    ]
    ends = set()
    for order in (
        events,
        [events[0], events[1], *events[:1:-1]],
        [*events[:2], events[4], events[2], events[5]],
    ):
        store: dict = {}

        def state(prefix, store=store):
            return DictState(store, prefix)

        last = None
        for kind, event in order:
            if kind == "date":
                out = logic.on_business_date(state, event, CONFIG)
            elif kind == "action":
                out = logic.on_action(state, event, CONFIG)
            else:
                out = logic.on_payment_fact(state, event, CONFIG)
            last = settled(out)[-1] if out else last
        ends.add(last)
    assert ends == {("KEPT", "2026-03-05")}  # 300 on the 3rd, 100 on the 4th, 200 on the 5th reach 500


def test_a_reversal_undoes_a_payment_toward_the_promise(state_of):
    logic.on_action(state_of, action(), CONFIG)
    logic.on_payment_fact(state_of, fact("P1", "500"), CONFIG)
    out = logic.on_payment_fact(state_of, fact("R1", "0", reverses="P1"), CONFIG)
    assert statuses(out) == [("A1", "PENDING", "0")]


def test_payments_on_another_loan_or_before_the_promise_do_not_count(state_of):
    logic.on_action(state_of, action(), CONFIG)
    assert logic.on_payment_fact(state_of, fact("P1", "500", account="LN2"), CONFIG) == []
    assert logic.on_payment_fact(state_of, fact("P2", "500", paid_on="2026-02-27"), CONFIG) == []


def test_a_promise_without_a_loan_is_kept_by_any_of_the_customers_payments(state_of):
    logic.on_action(state_of, action(account=None), CONFIG)
    assert statuses(logic.on_payment_fact(state_of, fact("P1", "500", account="LN2"), CONFIG)) == [
        ("A1", "KEPT", "500")
    ]


def test_a_payment_dated_far_ahead_of_the_business_date_is_no_clock(state_of):
    """A typo in a payment's year must neither break the customer's promises nor forget their payments."""
    logic.on_business_date(state_of, date(2026, 3, 4), CONFIG)
    logic.on_action(state_of, action(), CONFIG)
    assert statuses(logic.on_payment_fact(state_of, fact("P1", "500"), CONFIG)) == [("A1", "KEPT", "500")]
    assert logic.on_payment_fact(state_of, fact("TYPO", "1", paid_on="2029-06-01"), CONFIG) == []
    assert [
        (v["status"], v["evaluated_on"])
        for _t, _k, v in logic.on_payment_fact(state_of, fact("R1", "0", reverses="P1"), CONFIG)
    ] == [("PENDING", "2026-03-11")]  # judged as of the business date plus the lead, not 2029
    assert "P1" in state_of("C1").get("payments")
    # a payment of today, dated after a business date published at the end of yesterday, still counts
    assert statuses(logic.on_payment_fact(state_of, fact("P2", "500", paid_on="2026-03-06"), CONFIG)) == [
        ("A1", "KEPT", "500")
    ]


def test_order_of_arrival_does_not_change_the_final_status(state_of):
    """The payment first, the promise later (as a replay may deliver them): the same answer."""
    logic.on_payment_fact(state_of, fact("P1", "500"), CONFIG)
    assert statuses(logic.on_action(state_of, action(), CONFIG)) == [("A1", "KEPT", "500")]


def test_the_same_action_twice_makes_one_promise_and_actions_without_one_change_nothing(state_of):
    assert len(logic.on_action(state_of, action(), CONFIG)) == 1
    assert logic.on_action(state_of, action(), CONFIG) == []
    assert logic.on_action(state_of, {**action("A2"), "promise": None}, CONFIG) == []


def test_a_promise_due_before_it_was_made_is_refused_for_the_dead_letter_queue(state_of):
    with pytest.raises(logic.ImpossiblePromise):
        logic.on_action(state_of, action(due=date(2026, 2, 1)), CONFIG)


def test_tolerance_keeps_a_promise_paid_a_little_short(state_of):
    config = PromiseConfig(grace_days=3, tolerance=D("10"))
    logic.on_action(state_of, action(), config)
    assert statuses(logic.on_payment_fact(state_of, fact("P1", "495"), config)) == [("A1", "KEPT", "495")]


def test_an_action_s_row_keeps_its_day_in_its_own_offset():
    """06:30 in Hanoi on the 9th is the 8th in UTC: the row says the 9th, as the queue counts it."""
    hanoi = timezone(timedelta(hours=7))
    early = {
        **action(at=datetime(2026, 3, 9, 6, 30, tzinfo=hanoi)),
        "type": "CALL",
        "subtype": "OUTBOUND",
        "promise": None,
    }
    [row] = action_rows(Routed(ACTION_ROWS, "C1", early))
    assert dict(zip(ACTIONS.columns, row, strict=True))["day"] == date(2026, 3, 9)
