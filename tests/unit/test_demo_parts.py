"""The pure parts of `crm demo`: its interval option, its logins, the web build's freshness, and the
simulator's messages (valid against the topics' contracts, with real amounts)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts import INBOUND
from crm.commands.demo import calling_hours_note
from crm.demo.clock import parse_interval
from crm.demo.logins import demo_logins
from crm.demo.webbuild import build_is_current
from crm.generator.agents import agents
from crm.interrupts import interrupt_on_signals
from crm.simulator import (
    KEPT_SHARE,
    ON_TIME_SHARE,
    ActivityCounts,
    ActivitySimulator,
    DelinquentLoan,
    action_for,
    paid_on_time,
    payment_for,
    visit_for,
)
from domain.dictionaries import DEFAULT_DICTIONARIES
from domain.promises import CountedPayment, Promise, PromiseStatus, promise_status

DAY = date(2026, 3, 2)
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("60s", 60), ("2m", 120), ("90", 90), ("1.5h", 5400), ("0", None), ("0s", None), ("off", None)],
)
def test_intervals(text, seconds):
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "-5s", "5 days"])
def test_intervals_that_are_not(text):
    with pytest.raises(ValueError, match="not an interval"):
        parse_interval(text)


def test_logins_cover_every_role_and_the_first_active_agent_of_each_team(tmp_path):
    generated = agents(seed=3, count=9)
    generated[0]["active"] = False  # an inactive first agent is passed over for its team's next one
    path = tmp_path / "config.agents.jsonl"
    path.write_bytes(b"".join(orjson.dumps(a) + b"\n" for a in generated))
    logins = {login.username: login for login in demo_logins(path)}
    assert {name: login.role for name, login in logins.items()} == {
        "admin": "admin",
        "supervisor": "supervisor",
        "lead-early": "supervisor",
        "bank": "integration",
        "agent1": "agent",
        "agent2": "agent",
        "agent3": "agent",
    }
    assert logins["supervisor"].team is None and logins["lead-early"].team == "TEAM-CALL-EARLY"
    first_active = {}
    for agent in generated:
        if agent["active"]:
            first_active.setdefault(agent["team"], agent["agent_id"])
    assert [(logins[f"agent{n}"].team, logins[f"agent{n}"].agent_id) for n in (1, 2, 3)] == list(
        first_active.items()
    )
    assert logins["agent1"].agent_id != generated[0]["agent_id"]


def test_a_build_is_current_until_a_source_changes(tmp_path):
    (tmp_path / "src").mkdir()
    source = tmp_path / "src" / "App.tsx"
    source.write_text("export {}")
    assert not build_is_current(tmp_path)  # never built
    (tmp_path / "dist").mkdir()
    index = tmp_path / "dist" / "index.html"
    index.write_text("<div id=root>")
    os.utime(source, (1_000, 1_000))
    os.utime(index, (2_000, 2_000))
    assert build_is_current(tmp_path)
    os.utime(source, (3_000, 3_000))
    assert not build_is_current(tmp_path)


amounts = st.one_of(
    st.integers(1, 10**10).map(Decimal),
    st.integers(1, 10**10).map(lambda cents: Decimal(cents).scaleb(-2)),
)


@given(overdue=amounts, currency=st.sampled_from(["VND", "USD"]), seed=st.integers(0, 2**32))
def test_a_simulated_payment_is_valid_and_pays_at_most_the_arrears(overdue, currency, seed):
    loan = DelinquentLoan("LN1", "C1", currency, overdue, "AG00000")
    payment = payment_for(loan, DAY, NOW, random.Random(seed))
    parsed = INBOUND["payments"].model_validate_json(orjson.dumps(payment))
    amount = Decimal(payment["amount"])
    assert 0 < amount <= overdue
    # a part is whole dong or cents; all of the arrears is paid as owed
    assert amount == overdue or amount.as_tuple().exponent >= (0 if currency == "VND" else -2)
    assert parsed.paid_at.date() == DAY and parsed.status == "COMPLETED"


def test_part_payments_in_dong_are_whole_dong_though_the_bank_writes_them_with_cents():
    """The generator, like banks' feeds, writes dong as "1250000.00": its precision is not the currency's."""
    rng = random.Random(3)
    dong = DelinquentLoan("LN1", "C1", "VND", Decimal("1250000.00"), "AG00000")
    parts = [Decimal(p["amount"]) for p in (payment_for(dong, DAY, NOW, rng) for _ in range(200))]
    assert all(part == part.to_integral_value() for part in parts)
    assert len(set(parts)) > 20  # not all of the arrears every time
    dollars = DelinquentLoan("LN2", "C1", "USD", Decimal("1250.00"), "AG00000")
    cents = {Decimal(payment_for(dollars, DAY, NOW, rng)["amount"]) % 1 for _ in range(200)}
    assert len(cents) > 10  # cents stay cents


def test_some_simulated_payments_clear_the_arrears_and_some_do_not():
    loan = DelinquentLoan("LN1", "C1", "VND", Decimal("1250000.50"), "AG00000")
    rng = random.Random(7)
    amounts = {Decimal(payment_for(loan, DAY, NOW, rng)["amount"]) == loan.overdue for _ in range(200)}
    assert amounts == {True, False}


def test_simulated_calls_are_valid_with_codes_from_the_dictionaries_and_some_promises():
    loan = DelinquentLoan("LN1", "C1", "VND", Decimal("3000000"), "AG00007")
    rng = random.Random(11)
    results = DEFAULT_DICTIONARIES.codes("action_results")
    actions = [action_for(loan, "AG00007", DAY, NOW, rng) for _ in range(300)]
    promises = [a for a in actions if "promise" in a]
    assert promises and len(promises) < len(actions)
    for action in actions:
        parsed = INBOUND["agent.actions"].model_validate_json(orjson.dumps(action))
        assert parsed.result in results and parsed.agent_id == "AG00007" and parsed.at.date() == DAY
        assert (parsed.type, parsed.subtype) == ("CALL", "OUTBOUND")
    for action in promises:
        promised = date.fromisoformat(action["promise"]["date"])
        assert DAY < promised <= DAY + timedelta(days=7)
        assert 0 < Decimal(action["promise"]["amount"]) <= loan.overdue
    assert len({a["action_id"] for a in actions}) == len(actions)


def test_the_simulators_summary_counts_one_of_a_kind_in_the_singular():
    counts = ActivityCounts(payments=1, paid_in_full=1, actions=1200, promises=1, kept=1)
    assert counts.describe() == (
        "1 payment (1 paying all arrears, 1 keeping a promise, 0 paying an installment on its date), "
        "1,200 calls and 0 visits (1 promise to pay), 0 customers newly behind"
    )
    assert ActivityCounts(fell_behind=1, visits=1).describe() == (
        "0 payments (0 paying all arrears, 0 keeping a promise, 0 paying an installment on its date), "
        "0 calls and 1 visit (0 promises to pay), 1 customer newly behind"
    )


def test_a_simulated_visit_is_made_at_the_customers_address_in_its_city_by_their_field_agent():
    hanoi = (21.0285, 105.8542)
    loan = DelinquentLoan(
        "LN1", "C1", "VND", Decimal("3000000"), "AG00007", "+84 91 555 0001", "AG00003", "27 Pho Hue", hanoi
    )
    rng = random.Random(3)
    visits = [visit_for(loan, "AG00003", DAY, NOW, rng) for _ in range(300)]
    assert any("promise" in v for v in visits)
    for visit in visits:
        parsed = INBOUND["agent.actions"].model_validate_json(orjson.dumps(visit))
        assert (parsed.type, parsed.subtype, parsed.agent_id) == ("VISIT", "OUTBOUND", "AG00003")
        assert parsed.result != "WRONG_NUMBER"  # a visit names an address, not a number
        assert (parsed.contact.channel, parsed.contact.number) == ("VISIT", "27 Pho Hue")  # not the phone
        assert abs(parsed.visit.lat - hanoi[0]) <= 0.02 and abs(parsed.visit.lon - hanoi[1]) <= 0.02
        assert parsed.visit.address == "27 Pho Hue"
    abroad = visit_for(replace(loan, position=None), "AG00003", DAY, NOW, rng)
    assert "visit" not in abroad and abroad["contact"]["number"] == "27 Pho Hue"  # no city centre known
    nowhere = visit_for(replace(loan, address=None, position=None), "AG00003", DAY, NOW, rng)
    assert "contact" not in nowhere and "visit" not in nowhere


def test_customers_with_a_field_agent_get_visits_as_well_as_calls_and_the_others_calls_only():
    simulator = ActivitySimulator(settings=None, rate=1, seed=8)
    field = DelinquentLoan("LN1", "C1", "VND", Decimal(9_000_000), "AG00007", None, "AG00003", "27 Pho Hue")
    calls_only = DelinquentLoan("LN2", "C2", "VND", Decimal(9_000_000), "AG00007")
    kinds: dict[str, list[str]] = {"C1": [], "C2": []}
    for loan in (field, calls_only):
        for _ in range(400):
            simulator._loans = [replace(loan)]  # again each time: one paid in full leaves the sample
            topic, key, value = simulator.next_event(DAY, NOW)
            if topic == "agent.actions":
                kinds[key].append((value["type"], value["agent_id"]))
    visits = kinds["C1"].count(("VISIT", "AG00003"))
    assert 0.2 < visits / len(kinds["C1"]) < 0.4  # VISIT_SHARE of its actions; the rest are its call agent's
    assert set(kinds["C1"]) == {("VISIT", "AG00003"), ("CALL", "AG00007")}
    assert set(kinds["C2"]) == {("CALL", "AG00007")}
    assert simulator.counts.visits == visits


def test_most_simulated_promises_are_kept_in_time_as_the_promise_rules_judge_them():
    """A demo's dashboard reads like a collection floor's: most promises kept, the rest broken (before, a
    promise was kept only when a random payment happened to land on its loan: about one in twenty)."""
    simulator = ActivitySimulator(settings=None, rate=1, seed=5)
    simulator._loans = [
        DelinquentLoan(f"LN{n}", f"C{n}", "VND", Decimal(3_000_000 + n), f"AG{n % 7:05d}")
        for n in range(1000)
    ]
    promises, paid = [], []
    for day in (DAY + timedelta(days=n) for n in range(40)):
        for _ in range(60):
            topic, key, value = simulator.next_event(day, NOW)
            model = INBOUND[topic].model_validate_json(orjson.dumps(value))
            if topic == "payments":
                assert key == value["account_number"] and model.paid_at.date() == day
                paid.append(CountedPayment(value["account_number"], day, Decimal(value["amount"])))
            elif "promise" in value and day < DAY + timedelta(days=30):  # each settled by the end
                promise = value["promise"]
                promises.append(
                    Promise(
                        value["action_id"],
                        key,
                        value["account_number"],
                        day,
                        date.fromisoformat(promise["date"]),
                        Decimal(promise["amount"]),
                    )
                )
    end = DAY + timedelta(days=39)
    statuses = [promise_status(p, paid, end)[0] for p in promises]
    kept = statuses.count(PromiseStatus.KEPT) / len(statuses)
    assert len(promises) > 200 and PromiseStatus.PENDING not in statuses
    assert KEPT_SHARE - 0.1 < kept < KEPT_SHARE + 0.15  # random payments keep a few more
    assert simulator.counts.kept > 0 and simulator.counts.payments > simulator.counts.kept


def test_most_installments_of_current_loans_are_paid_on_their_date_in_full():
    """Without them every current customer rolled into arrears within a month of demo days."""
    due = [(f"LN{n}", "VND" if n % 5 else "USD", Decimal(1_250_000 + n).scaleb(-2)) for n in range(2_000)]
    payments = paid_on_time(due, DAY, NOW, random.Random(11))
    owed = {account: (currency, amount) for account, currency, amount in due}
    assert 0.93 < len(payments) / len(due) < 0.97  # ON_TIME_SHARE; the rest fall behind
    for payment in payments:
        parsed = INBOUND["payments"].model_validate_json(orjson.dumps(payment))
        assert (parsed.currency, parsed.amount) == owed[payment["account_number"]]
        assert parsed.paid_at.date() == DAY and parsed.status == "COMPLETED"
    assert len({p["reference_number"] for p in payments}) == len(payments)
    assert ON_TIME_SHARE == 0.95


def test_a_simulated_call_dials_the_number_the_campaign_chose_so_a_wrong_one_is_flagged():
    loan = DelinquentLoan("LN1", "C1", "VND", Decimal("3000000"), "AG00007", "+84 91 555 0001")
    rng = random.Random(5)
    actions = [action_for(loan, "AG00007", DAY, NOW, rng) for _ in range(300)]
    assert {orjson.dumps(a["contact"]) for a in actions} == {
        b'{"channel":"PHONE","number":"+84 91 555 0001"}'
    }
    wrong = [a for a in actions if a["result"] == "WRONG_NUMBER"]
    assert wrong  # what the strategy processor flags (processors.strategy.logic.on_action)
    for action in wrong:
        INBOUND["agent.actions"].model_validate_json(orjson.dumps(action))
    unknown = DelinquentLoan("LN2", "C2", "VND", Decimal("3000000"), "AG00007")  # the campaign chose none
    assert "contact" not in action_for(unknown, "AG00007", DAY, NOW, rng)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_the_demo_stops_on_ctrl_c_or_sigterm_even_when_started_with_sigint_ignored(signum):
    """A background job of a non-interactive shell starts with SIGINT ignored: Ctrl-C must still stop it."""
    before = signal.signal(signal.SIGINT, signal.SIG_IGN), signal.getsignal(signal.SIGTERM)
    try:
        with pytest.raises(KeyboardInterrupt), interrupt_on_signals():
            os.kill(os.getpid(), signum)
            time.sleep(5)  # the handler interrupts this at once
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN  # put back as it was
        assert signal.getsignal(signal.SIGTERM) is before[1]
    finally:
        signal.signal(signal.SIGINT, before[0])


def test_no_library_deprecation_notice_reaches_a_commands_output():
    """authlib, imported with the stream framework, forces its own warnings on; `crm` silences them."""
    importing = "import crm, quixstreams, confluent_kafka.schema_registry"
    result = subprocess.run([sys.executable, "-c", importing], capture_output=True, text=True, check=True)
    assert "deprecated" not in result.stderr, result.stderr


def test_the_demo_says_when_its_customers_are_outside_calling_hours_and_how_to_call_them_anyway():
    # 21:00 UTC is 04:00 in Ho Chi Minh City, where the generator places most customers
    night = calling_hours_note("08:00-21:00", datetime(2026, 12, 6, 21, 0, tzinfo=UTC))
    assert night == (
        "  calling hours 08:00 to 21:00, each customer's local time (CRM_CALLING_HOURS): it is 04:00 in "
        "Asia/Ho_Chi_Minh, where most demo customers live, so their calls wait until 08:00 there "
        "(CRM_CALLING_HOURS=00:00-24:00 crm demo: any hour)"
    )
    day = calling_hours_note("08:00-21:00", datetime(2026, 12, 6, 5, 0, tzinfo=UTC))  # noon there
    assert day == "  calling hours 08:00 to 21:00, each customer's local time (CRM_CALLING_HOURS)"
    assert calling_hours_note("00:00-24:00", datetime(2026, 12, 6, 21, 0, tzinfo=UTC)).endswith(
        "(CRM_CALLING_HOURS)"
    )
