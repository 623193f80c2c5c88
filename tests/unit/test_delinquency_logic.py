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


def tick(state_of, day: date, limit: int = logic.TICK_CHUNK, between=lambda: None) -> list:
    """A date tick as the app handles it: sent again while loans are left to age (``between`` runs
    before each continuation, as other messages may)."""
    outputs, done = logic.on_business_date(state_of, day, limit)
    while not done:
        between()
        more, done = logic.on_business_date(state_of, day, limit)
        outputs += more
    return outputs


def test_loans_wait_for_the_first_business_date_then_all_are_evaluated(state_of):
    assert logic.on_snapshot(state_of, snapshot("LN1")) == []
    assert logic.on_snapshot(state_of, snapshot("LN2", paid_first="1000")) == []
    out = tick(state_of, date(2026, 2, 1))
    by_account = {r["account_number"]: r for r in records(out)}
    assert by_account["LN1"]["dpd"] == 17 and by_account["LN1"]["bucket"] == "1-29"
    assert by_account["LN1"]["overdue_amount"] == "1000"
    assert by_account["LN2"]["dpd"] == 0 and by_account["LN2"]["bucket"] == "CURRENT"


def test_a_tick_ages_only_loans_whose_date_came_and_reports_transitions(state_of):
    logic.on_snapshot(state_of, snapshot("LN1"))
    tick(state_of, date(2026, 2, 1))
    # LN1 (oldest unpaid 2026-01-15) reaches 30 DPD on 2026-02-14; its 2nd installment falls due 02-15
    assert tick(state_of, date(2026, 2, 10)) == []
    out = tick(state_of, date(2026, 2, 14))
    assert [r["bucket"] for r in records(out)] == ["30-59"]
    [move] = records(out, logic.TRANSITIONS)
    assert (move["from_bucket"], move["to_bucket"], move["kind"]) == ("1-29", "30-59", "ROLL_FORWARD")
    assert tick(state_of, date(2026, 2, 14)) == []  # a repeated tick does nothing
    assert tick(state_of, date(2026, 2, 3)) == []  # an old tick does nothing


def test_a_payment_that_clears_arrears_cures_at_once(state_of):
    logic.on_snapshot(state_of, snapshot("LN1"))
    tick(state_of, date(2026, 2, 1))
    out = logic.on_payment(state_of, "LN1", pay("P1", "1000"))
    [record] = records(out)
    assert (record["dpd"], record["bucket"], record["overdue_amount"]) == (0, "CURRENT", "0")
    assert records(out, logic.TRANSITIONS)[0]["kind"] == "CURE"
    assert logic.on_payment(state_of, "LN1", pay("P1", "1000")) == []  # the duplicate changes nothing
    out = logic.on_payment(state_of, "LN1", pay("R1", "1000", PaymentStatus.REVERSED, "P1"))
    assert records(out)[0]["bucket"] == "1-29" and records(out, logic.TRANSITIONS)[0]["kind"] == "ENTRY"


def test_a_reversal_of_a_payment_in_the_snapshot_makes_the_loan_delinquent_again(state_of):
    """The bank's snapshot holds the payment (its first installment paid); the reversal came after it."""
    logic.on_snapshot(state_of, snapshot("LN1", paid_first="1000"))
    assert records(tick(state_of, date(2026, 2, 1)))[0]["bucket"] == "CURRENT"
    out = logic.on_payment(state_of, "LN1", pay("R0", "1000", PaymentStatus.REVERSED, "P0"))
    [record] = records(out)
    assert (record["dpd"], record["bucket"], record["overdue_amount"]) == (17, "1-29", "1000")
    assert records(out, logic.TRANSITIONS)[0]["kind"] == "ENTRY"
    assert [f["reverses"] for f in records(out, logic.PAYMENTS)] == ["P0"]
    # aged on later dates from what the state keeps, the reversal included
    assert records(tick(state_of, date(2026, 2, 14)))[0]["bucket"] == "30-59"


def test_revisions_increase_with_every_emitted_change(state_of):
    logic.on_snapshot(state_of, snapshot("LN1"))
    tick(state_of, date(2026, 2, 1))
    first = records(logic.on_payment(state_of, "LN1", pay("P1", "100")))[0]["revision"]
    second = records(logic.on_payment(state_of, "LN1", pay("P2", "100")))[0]["revision"]
    assert second == first + 1


def test_payment_before_its_loan_counts_when_the_loan_arrives(state_of):
    tick(state_of, date(2026, 2, 1))
    assert logic.on_payment(state_of, "LN1", pay("P1", "1000")) == []
    [record] = records(logic.on_snapshot(state_of, snapshot("LN1")))
    assert record["bucket"] == "CURRENT"


def test_an_older_snapshot_is_ignored(state_of):
    tick(state_of, date(2026, 2, 1))
    logic.on_snapshot(state_of, snapshot("LN1", paid_first="1000"))
    assert logic.on_snapshot(state_of, snapshot("LN1", as_of=AS_OF - timedelta(days=1))) == []


def test_a_newer_snapshot_replaces_the_stored_loan_as_the_full_state_would(state_of):
    """The state a newer snapshot replaces is read without its schedule: the outcome is the domain's own."""
    from domain.codec import loan_from_dict
    from domain.loan import with_snapshot

    tick(state_of, date(2026, 2, 1))
    logic.on_snapshot(state_of, snapshot("LN1"))
    logic.on_payment(state_of, "LN1", pay("P1", "300"))  # after the first snapshot's as_of: kept
    full = loan_from_dict(state_of("LN1").get("loan"))
    newer = snapshot("LN1", paid_first="200", as_of=AS_OF + timedelta(minutes=30))
    expected, accepted = with_snapshot(full, newer)
    [record] = records(logic.on_snapshot(state_of, newer))
    assert accepted and loan_from_dict(state_of("LN1").get("loan")) == expected
    assert record["overdue_amount"] == "500"  # 1000 due − 200 in the new snapshot − 300 paid after it


def test_a_loan_moved_to_another_customer_leaves_its_former_customer_a_departure_record(state_of):
    """The roll-up is kept per customer: the one the loan left hears of it, then the new one gets it."""
    from dataclasses import replace

    logic.on_snapshot(state_of, snapshot("LN1"))
    [first] = records(tick(state_of, date(2026, 2, 1)))
    moved = replace(snapshot("LN1"), cif="C2", as_of=AS_OF + timedelta(hours=2))
    departure, record = records(logic.on_snapshot(state_of, moved))
    assert (departure["cif"], departure["departed"], departure["revision"]) == (
        "C1",
        True,
        first["revision"] + 1,
    )
    assert departure["business_date"] == "2026-02-01" and departure["bucket"] == first["bucket"]
    assert (record["cif"], record["revision"], "departed" in record) == ("C2", first["revision"] + 2, False)
    assert state_of("LN1").get("view")["revision"] == record["revision"]
    again = replace(moved, as_of=AS_OF + timedelta(hours=3))
    assert logic.on_snapshot(state_of, again) == []  # the same customer again: nothing new to say
    # no table keeps the departure: loan_delinquency holds the loan once, under its customer now
    from processors.delinquency.sinks import loan_rows

    assert loan_rows(departure) == [] and loan_rows(record)[0][1] == "C2"


def test_a_payment_in_another_currency_raises_for_the_dead_letter_queue(state_of):
    logic.on_snapshot(state_of, snapshot("LN1"))
    with pytest.raises(CurrencyMismatch):
        logic.on_payment(state_of, "LN1", pay("P1", "5", currency="USD"))


@pytest.mark.parametrize("limit", [logic.TICK_CHUNK, 7, 1])
def test_every_loan_after_many_ticks_and_payments_equals_its_direct_computation(state_of, limit):
    """Ticks age loans from their last view and unpaid rows; the result must be the full computation, also
    when each tick is worked off a few loans per message with payments arriving in between."""
    import random

    from domain.loan import LoanState

    rnd = random.Random(7)
    loans: dict[str, LoanState] = {}
    day = date(2026, 2, 1)
    for n in range(150):
        account = f"LN{n}"
        rows = tuple(
            Installment(
                date(2026, 1, 1) + timedelta(days=rnd.randint(0, 20) + 30 * k), D(rnd.randint(50, 900))
            )
            for k in range(rnd.randint(1, 8))
        )
        snap = Snapshot(account, f"C{n % 40}", "VND", rnd.random() < 0.05, D("5000"), AS_OF, rows)
        logic.on_snapshot(state_of, snap)
        loans[account] = LoanState(account).with_snapshot(snap)[0]
    payments = 0

    def pay_some() -> None:
        nonlocal payments
        for account in rnd.sample(sorted(loans), 2):
            payments += 1
            event = PaymentEvent(
                f"P{payments}{account}",
                D(rnd.randint(1, 700)),
                "VND",
                AS_OF + timedelta(hours=payments),
                PaymentStatus.COMPLETED,
                None,
            )
            logic.on_payment(state_of, account, event)
            loans[account] = loans[account].with_payment(event)[0]

    for _step in range(60):
        day += timedelta(days=rnd.choice([1, 1, 1, 2, 7]))
        tick(state_of, day, limit, between=pay_some if limit < 10 else lambda: None)
        pay_some()
    assert state_of(logic.PARTITION).get("aging") is None  # every tick worked off
    for account, loan in loans.items():
        stored = dict(state_of(account).get("view"))
        stored.pop("revision")
        facts = {"product_type": "", "custom_fields": {}, "status": loan.snapshot.status}
        expected = {**logic._view_record(loan.view(day), 0), **facts}
        expected.pop("revision")
        # DPD moving by a day alone is not news, so the stored record may be from an earlier date
        assert {**stored, "dpd": 0, "business_date": ""} == {**expected, "dpd": 0, "business_date": ""}
        oldest = stored["oldest_unpaid_due"]
        late = (day - date.fromisoformat(oldest)).days if oldest and not loan.snapshot.closed else 0
        assert max(0, late) == expected["dpd"]


def test_payments_are_passed_on_keyed_by_customer_for_promises(state_of):
    held = logic.on_payment(state_of, "LN1", pay("P0", "5"))
    assert records(held, logic.PAYMENTS) == []  # its customer is not known before the loan arrives
    arrived = logic.on_snapshot(state_of, snapshot("LN1"))
    assert [(k, v["reference_number"], v["amount"]) for t, k, v in arrived if t == logic.PAYMENTS] == [
        ("C1", "P0", "5")
    ]
    facts = records(logic.on_payment(state_of, "LN1", pay("P1", "7")), logic.PAYMENTS)
    assert [(f["cif"], f["reference_number"], f["paid_on"]) for f in facts] == [("C1", "P1", "2026-01-31")]
    assert records(logic.on_payment(state_of, "LN1", pay("P1", "7")), logic.PAYMENTS) == []  # duplicate
    assert (
        records(logic.on_payment(state_of, "LN1", pay("P2", "7", PaymentStatus.PENDING)), logic.PAYMENTS)
        == []
    )
    undo = records(
        logic.on_payment(state_of, "LN1", pay("R1", "7", PaymentStatus.REVERSED, "P1")), logic.PAYMENTS
    )
    assert [(f["reference_number"], f["reverses"]) for f in undo] == [("R1", "P1")]


def test_a_large_tick_is_worked_off_a_chunk_per_message_in_account_order(state_of):
    for n in range(10):
        logic.on_snapshot(state_of, snapshot(f"LN{n}"))
    first, done = logic.on_business_date(state_of, date(2026, 2, 1), limit=4)
    assert not done and [r["account_number"] for r in records(first)] == ["LN0", "LN1", "LN2", "LN3"]
    assert state_of(logic.PARTITION).get("date") == "2026-02-01"  # the date moved at once
    second, done = logic.on_business_date(state_of, date(2026, 2, 1), limit=4)
    assert not done and [r["account_number"] for r in records(second)] == ["LN4", "LN5", "LN6", "LN7"]
    last, done = logic.on_business_date(state_of, date(2026, 2, 1), limit=4)
    assert done and [r["account_number"] for r in records(last)] == ["LN8", "LN9"]
    assert logic.on_business_date(state_of, date(2026, 2, 1), limit=4) == ([], True)  # a spare continuation


def test_a_newer_date_in_the_middle_of_a_tick_waits_until_the_older_one_is_worked_off(state_of):
    for n in range(6):
        logic.on_snapshot(state_of, snapshot(f"LN{n}"))
    tick(state_of, date(2026, 2, 1))
    # every loan reaches 30 DPD on 02-14 and has its next installment due on 02-15: the tick to 02-14 stops
    # half-way, then 02-20 arrives
    half, done = logic.on_business_date(state_of, date(2026, 2, 14), limit=3)
    assert not done and len(records(half)) == 3
    rest, done = logic.on_business_date(state_of, date(2026, 2, 20), limit=5)
    assert not done and state_of(logic.PARTITION).get("aging")["queued"] == []
    # the loans 02-14 had not reached are aged to 02-14 first, then 02-20 goes on in the same part
    dated = [(r["account_number"], r["business_date"]) for r in records(rest)]
    assert dated == [("LN3", "2026-02-14"), ("LN4", "2026-02-14"), ("LN5", "2026-02-14")] + [
        ("LN0", "2026-02-20"),
        ("LN1", "2026-02-20"),
    ]
    assert {t["business_date"] for t in records(half + rest, logic.TRANSITIONS)} == {"2026-02-14"}
    last = tick(state_of, date(2026, 2, 20), limit=5)  # the continuation
    assert [(r["account_number"], r["business_date"]) for r in records(last)] == [
        (f"LN{n}", "2026-02-20") for n in range(2, 6)
    ]
    assert state_of(logic.PARTITION).get("aging") is None
    assert state_of(logic.PARTITION).get("date") == "2026-02-20"


def test_dates_arriving_out_of_order_mid_way_are_worked_off_in_date_order(state_of):
    for n in range(4):
        logic.on_snapshot(state_of, snapshot(f"LN{n}"))
    logic.on_business_date(state_of, date(2026, 2, 1), limit=1)
    logic.on_business_date(state_of, date(2026, 2, 20), limit=1)
    logic.on_business_date(state_of, date(2026, 2, 14), limit=1)
    assert state_of(logic.PARTITION).get("aging")["queued"] == ["2026-02-14", "2026-02-20"]
    outputs = tick(state_of, date(2026, 2, 1), limit=1)
    dates_of_ln3 = [r["business_date"] for r in records(outputs) if r["account_number"] == "LN3"]
    assert dates_of_ln3 == ["2026-02-01", "2026-02-14", "2026-02-20"]
    assert logic.on_business_date(state_of, date(2026, 2, 14)) == ([], True)  # a date worked off


def test_a_chunked_tick_emits_what_a_whole_one_does(state_of):
    whole: dict = {}
    whole_state = lambda prefix: DictState(whole, prefix)  # noqa: E731
    for state in (state_of, whole_state):
        for n in range(25):
            logic.on_snapshot(state, snapshot(f"LN{n:02}", paid_first=str(100 * (n % 3))))
    for day in (date(2026, 2, 1), date(2026, 2, 14), date(2026, 3, 20)):
        chunked = tick(state_of, day, limit=4)
        assert sorted(map(repr, chunked)) == sorted(map(repr, tick(whole_state, day)))


def test_a_loans_status_is_passed_on_for_strategies_and_aged_records_keep_it(state_of):
    logic.on_snapshot(state_of, snapshot("LN1"))
    [first] = records(tick(state_of, date(2026, 2, 1)))
    assert first["status"] == "OPEN"
    [aged] = records(tick(state_of, date(2026, 2, 14)))  # aged from its stored view alone
    assert aged["status"] == "OPEN"
    closing = Snapshot("LN1", "C1", "VND", True, D("0"), AS_OF + timedelta(days=20), snapshot().schedule)
    [closed] = records(logic.on_snapshot(state_of, closing))
    assert (closed["status"], closed["dpd"]) == ("CLOSED", 0)
