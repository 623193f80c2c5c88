"""The queues processor's rules over a dict-backed state store, and reading entries with compliance marks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts.api import QueueEntry
from domain.errors import DomainError
from processors.queues import contacts, logic
from processors.queues.read import MAX_HOLD, Decisions, entry_view
from tests.fakes import DictState

DAY = date(2026, 3, 2)
NY = ZoneInfo("America/New_York")


@pytest.fixture
def state_of():
    store: dict = {}
    return lambda prefix: DictState(store, prefix)


def assignment(cif="C1", agent="AG1", agent_type="CALL", campaign="EARLY"):
    return {"cif": cif, "agent_type": agent_type, "agent_id": agent, "campaign_id": campaign}


def delinquency(cif="C1", dpd=10, overdue="500.00", day=DAY, currency="USD", accounts=None):
    return {
        "cif": cif,
        "business_date": day.isoformat(),
        "max_dpd": dpd,
        "overdue_total": {currency: overdue},
        "accounts": accounts or [],
    }


def action(action_id, at, result="NO_ANSWER", type_="CALL", subtype="OUTBOUND", account=None, **more):
    return {
        "action_id": action_id,
        "cif": "C1",
        "account_number": account,
        "type": type_,
        "subtype": subtype,
        "result": result,
        "at": at,
        "follow_up_date": more.get("follow_up"),
    }


def queue_changes(changes) -> list[logic.Placement]:
    """The changes to agents' queues, without the contact snapshots."""
    return [change for change in changes if isinstance(change, logic.Placement)]


def snapshots(changes) -> list[logic.ContactSnapshot]:
    return [change for change in changes if isinstance(change, logic.ContactSnapshot)]


def apply(queues: dict, placements) -> dict:
    """Placements applied to agent → {cif: (score, entry)}, as the Redis sink applies them."""
    for p in queue_changes(placements):
        queue = queues.setdefault(p.agent_id, {})
        if p.score is None:
            queue.pop(p.cif, None)
        else:
            queue[p.cif] = (p.score, orjson.loads(p.entry))
    return queues


def ranked(queues: dict, agent: str) -> list[str]:
    return [cif for cif, _ in sorted(queues.get(agent, {}).items(), key=lambda kv: -kv[1][0])]


def test_a_delinquent_customer_with_an_agent_is_queued_with_the_reason(state_of):
    assert logic.on_delinquency(state_of, delinquency()) == []  # no agent yet
    logic.on_customer(state_of, {"cif": "C1", "name": "Ann Lee", "company_name": None, "timezone": None})
    logic.on_strategy(
        state_of, {"cif": "C1", "campaigns": [{"campaign_id": "EARLY", "campaign_name": "Early"}]}
    )
    [placement] = logic.on_assignment(state_of, assignment())
    entry = orjson.loads(placement.entry)
    assert (placement.agent_id, placement.cif, placement.score) == ("AG1", "C1", entry["priority"])
    assert entry["reason"] == "DPD 10 (1-29), overdue 500.00 USD"
    assert entry["priority"] == pytest.approx(10 + 20 * 2.699838, abs=1e-5)  # log10(501)
    assert {k: entry[k] for k in ("name", "dpd", "bucket", "overdue_amount", "currency", "campaign")} == {
        "name": "Ann Lee",
        "dpd": 10,
        "bucket": "1-29",
        "overdue_amount": "500.00",
        "currency": "USD",
        "campaign": "Early",
    }
    assert entry["attempts"] == [] and entry["cease"] is False and entry["dispute_open"] is False


def test_a_field_agents_entry_says_where_to_go_and_a_call_agents_does_not(state_of):
    queues: dict = {}
    logic.on_delinquency(state_of, delinquency())
    home = "12 Ly Thuong Kiet, Hoan Kiem, Hanoi 100000, VN"
    logic.on_customer(state_of, {"cif": "C1", "name": "Ann Lee", "timezone": None, "address": home})
    apply(queues, logic.on_assignment(state_of, assignment(agent="CALL1")))
    apply(queues, logic.on_assignment(state_of, assignment(agent="FIELD1", agent_type="FIELD")))
    assert queues["FIELD1"]["C1"][1]["address"] == home
    assert "address" not in queues["CALL1"]["C1"][1]  # a call agent dials; the customer page has the rest
    moved = "7 Nguyen Hue, District 1, Ho Chi Minh City, VN"
    changed = queue_changes(logic.on_customer(state_of, {"cif": "C1", "name": "Ann Lee", "address": moved}))
    assert [p.agent_id for p in changed] == ["FIELD1"]  # the call agent's entry is the same: not written
    assert apply(queues, changed)["FIELD1"]["C1"][1]["address"] == moved
    gone = logic.on_customer(state_of, {"cif": "C1", "name": "Ann Lee", "address": None})
    assert "address" not in apply(queues, gone)["FIELD1"]["C1"][1]  # the bank no longer has one
    assert QueueEntry.model_validate(entry_view(queues["FIELD1"]["C1"][1], datetime.now(UTC))).address is None


def test_the_queue_is_ordered_by_priority(state_of):
    queues: dict = {}
    for cif, dpd, overdue in (("C1", 10, "500"), ("C2", 95, "300"), ("C3", 10, "900000"), ("C4", 0, "10")):
        apply(queues, logic.on_assignment(state_of, assignment(cif)))
        apply(queues, logic.on_delinquency(state_of, delinquency(cif, dpd, overdue)))
    assert ranked(queues, "AG1") == ["C2", "C3", "C1", "C4"]


def test_nothing_overdue_takes_the_customer_out_of_the_queue(state_of):
    logic.on_assignment(state_of, assignment())
    assert logic.on_delinquency(state_of, delinquency())[0].score is not None
    cleared = delinquency(dpd=0, overdue="0")
    assert logic.on_delinquency(state_of, cleared) == [logic.Placement("AG1", "C1", None, None)]
    assert logic.on_delinquency(state_of, cleared) == []  # already out
    assert logic.queued_cifs(state_of) == []


def test_an_unchanged_entry_is_not_written_again(state_of):
    logic.on_assignment(state_of, assignment())
    assert len(logic.on_delinquency(state_of, delinquency())) == 1
    assert logic.on_delinquency(state_of, delinquency()) == []
    assert logic.on_assignment(state_of, assignment()) == []


def test_a_reassignment_moves_the_entry_and_no_agent_removes_it(state_of):
    queues: dict = {}
    apply(queues, logic.on_delinquency(state_of, delinquency()))
    apply(queues, logic.on_assignment(state_of, assignment(agent="AG1")))
    apply(queues, logic.on_assignment(state_of, assignment(agent="AG2")))
    assert (ranked(queues, "AG1"), ranked(queues, "AG2")) == ([], ["C1"])
    apply(queues, logic.on_assignment(state_of, assignment(agent="F9", agent_type="FIELD", campaign=None)))
    assert ranked(queues, "F9") == ["C1"] and queues["F9"]["C1"][1]["campaign"] is None
    apply(queues, logic.on_assignment(state_of, assignment(agent=None)))
    assert (ranked(queues, "AG2"), ranked(queues, "F9")) == ([], ["C1"])


def strategy(*contacts: dict, campaign="EARLY") -> dict:
    chosen = [
        {"source": "CUSTOMER", "rule": 0, "is_primary": False, "is_verified": True, **c} for c in contacts
    ]
    return {
        "cif": "C1",
        "campaigns": [{"campaign_id": campaign, "campaign_name": "Early", "contacts": chosen}],
    }


def test_the_entry_shows_the_contact_the_campaign_chose_first_and_follows_its_change(state_of):
    mobile = {"channel": "PHONE", "value": "+84 91 555 0001", "type": "MOBILE"}
    shown = {**mobile, "name": None, "relationship": None}
    logic.on_delinquency(state_of, delinquency())
    logic.on_strategy(state_of, strategy())  # no contact chosen: no contact, as entries written before it
    [placement] = logic.on_assignment(state_of, assignment())
    assert "contact" not in orjson.loads(placement.entry)
    [placement] = logic.on_strategy(state_of, strategy(mobile, {**mobile, "value": "+84 28 555 0002"}))
    assert orjson.loads(placement.entry)["contact"] == shown
    assert logic.on_strategy(state_of, strategy(mobile)) == []  # the first is the same: nothing to write
    guarantor = {"value": "+84 90 555 0009", "name": "Tran Van B", "relationship": "GUARANTOR"}
    [placement] = logic.on_strategy(state_of, strategy({**mobile, **guarantor, "source": "REFERENCE"}))
    assert orjson.loads(placement.entry)["contact"] == {**shown, **guarantor}
    [placement] = logic.on_strategy(state_of, strategy())
    assert "contact" not in orjson.loads(placement.entry)
    [placement] = logic.on_strategy(state_of, strategy(mobile, campaign="LATE"))  # another campaign's
    assert "contact" not in orjson.loads(placement.entry)  # the agent works EARLY: its choice, none


def test_the_same_agent_for_calls_and_visits_gets_one_entry(state_of):
    logic.on_delinquency(state_of, delinquency())
    logic.on_assignment(state_of, assignment())
    assert logic.on_assignment(state_of, assignment(agent_type="FIELD")) == []


def test_a_new_business_date_re_ranks_the_queued_customers_only(state_of):
    queues: dict = {}
    logic.on_business_date(state_of, DAY)
    apply(queues, logic.on_assignment(state_of, assignment("C1")))
    apply(queues, logic.on_delinquency(state_of, delinquency("C1", dpd=10)))
    logic.on_delinquency(state_of, delinquency("C2", dpd=50))  # no agent: not queued
    placements = logic.on_business_date(state_of, DAY + timedelta(days=5))
    assert [p.cif for p in placements] == ["C1"]
    apply(queues, placements)
    entry = queues["AG1"]["C1"][1]
    assert (entry["dpd"], entry["business_date"]) == (15, "2026-03-07")
    assert logic.on_business_date(state_of, DAY + timedelta(days=5)) == []  # the same tick again
    assert logic.on_business_date(state_of, DAY) == []  # an older one


def _queued_portfolio(customers: int = 60):
    """A fresh store with ``customers`` queued customers at DAY (dpd and amounts varied), and its state_of."""
    store: dict = {}
    state_of = lambda prefix: DictState(store, prefix)  # noqa: E731
    logic.on_business_date(state_of, DAY)
    for n in range(customers):
        cif = f"C{n:03}"
        logic.on_assignment(state_of, assignment(cif, agent=f"AG{n % 3}"))
        logic.on_delinquency(state_of, delinquency(cif, dpd=1 + n % 40, overdue=f"{100 + 7 * n}.00"))
    return store, state_of


def _continuations(state_of, day: date, limit: int) -> tuple[list, int]:
    """Continuations of ``day``'s re-ranking until done, as the processor sends them: changes and parts."""
    changes, done, parts = [], False, 0
    while not done:
        more, done = logic.on_tick(state_of, day, limit=limit, continuing=True)
        changes.extend(more)
        parts += 1
    return changes, parts


@pytest.mark.parametrize("limit", [1, 7, 59, 10_000])
def test_a_date_re_ranked_in_parts_changes_the_queues_as_the_whole_does(limit):
    whole_store, whole = _queued_portfolio()
    expected = logic.on_business_date(whole, DAY + timedelta(days=3))
    store, state_of = _queued_portfolio()
    changes, done = logic.on_tick(state_of, DAY + timedelta(days=3), limit=limit)
    rest, parts = _continuations(state_of, DAY + timedelta(days=3), limit) if not done else ([], 0)
    changes, parts = changes + rest, parts + 1
    assert sorted(changes) == sorted(expected) and len(expected) == 60
    assert store == whole_store  # the same state afterwards, the progress marker gone
    if limit >= 60:
        assert parts == 1
    else:  # whole shards: a part can take a few more than the limit; a last part may find only empty shards
        queued_shards = len({logic._shard(f"C{n:03}") for n in range(60)})
        assert queued_shards / limit <= parts <= queued_shards / limit + 2


def test_a_newer_date_mid_way_starts_over_and_the_older_continuation_changes_nothing():
    _, state_of = _queued_portfolio()
    first, done = logic.on_tick(state_of, DAY + timedelta(days=1), limit=10)
    assert not done and 10 <= len(first) < 60
    newer, done = logic.on_tick(state_of, DAY + timedelta(days=2), limit=10)
    assert not done
    assert logic.on_tick(state_of, DAY + timedelta(days=1), limit=10, continuing=True) == ([], True)
    rest, _ = _continuations(state_of, DAY + timedelta(days=2), limit=10)
    ranked = {p.cif: orjson.loads(p.entry) for p in queue_changes([*newer, *rest])}
    assert len(ranked) == 60 and {e["business_date"] for e in ranked.values()} == {"2026-03-04"}
    # everybody at the newer date, those ranked for the older date included
    assert logic.on_tick(state_of, DAY + timedelta(days=2), limit=10, continuing=True) == ([], True)  # spare
    assert logic.on_tick(state_of, DAY + timedelta(days=2), limit=10) == ([], True)  # the same tick again


def test_a_customer_changed_mid_way_is_ranked_for_the_new_date_and_not_written_again():
    _, state_of = _queued_portfolio()
    tomorrow = DAY + timedelta(days=1)
    first, done = logic.on_tick(state_of, tomorrow, limit=5)
    late = max((f"C{n:03}" for n in range(60)), key=logic._shard)  # in the last shard re-ranked
    assert not done and late not in {p.cif for p in queue_changes(first)}
    [moved] = queue_changes(logic.on_delinquency(state_of, delinquency(late, dpd=45, day=DAY)))
    assert orjson.loads(moved.entry)["business_date"] == tomorrow.isoformat()  # the partition's date moved
    rest, _ = _continuations(state_of, tomorrow, limit=5)
    assert late not in {p.cif for p in queue_changes(rest)}  # its entry is already the new date's
    assert len(first) + len(rest) == 59


def test_a_figure_dated_after_the_partitions_date_is_not_aged_backwards(state_of):
    logic.on_business_date(state_of, DAY)
    logic.on_assignment(state_of, assignment())
    [placement] = logic.on_delinquency(state_of, delinquency(dpd=12, day=DAY + timedelta(days=2)))
    assert orjson.loads(placement.entry)["dpd"] == 12


def test_broken_promises_raise_priority_until_kept_or_old(state_of):
    logic.on_assignment(state_of, assignment())
    [base] = logic.on_delinquency(state_of, delinquency())
    broken = {"cif": "C1", "action_id": "A1", "status": "BROKEN", "date": "2026-02-20"}
    [raised] = logic.on_promise(state_of, broken)
    assert raised.score == pytest.approx(base.score + 15)
    assert orjson.loads(raised.entry)["reason"].endswith("1 broken promise")
    [back] = logic.on_promise(state_of, {**broken, "status": "KEPT"})
    assert back.score == pytest.approx(base.score)
    logic.on_promise(state_of, broken)
    [aged] = logic.on_business_date(state_of, date(2026, 8, 20))  # 181 days after the promise's date
    assert orjson.loads(aged.entry)["broken_promises"] == 0


def test_a_contact_lowers_priority_and_a_due_follow_up_raises_it(state_of):
    logic.on_business_date(state_of, DAY)
    logic.on_assignment(state_of, assignment())
    [base] = logic.on_delinquency(state_of, delinquency())
    at = datetime(2026, 3, 2, 10, tzinfo=UTC)
    [called] = queue_changes(
        logic.on_action(state_of, action("A1", at, "CALLBACK", follow_up=date(2026, 3, 4)))
    )
    assert called.score == pytest.approx(base.score - 60)
    entry = orjson.loads(called.entry)
    assert entry["follow_up_date"] == "2026-03-04"  # open, not due yet: no bonus
    assert entry["last_conversation"] == {"at": "2026-03-02T10:00:00.000+00:00", "outbound": True}
    [due] = logic.on_business_date(state_of, date(2026, 3, 4))
    assert due.score == pytest.approx(base.score + 2 - 20 + 40)  # two days later, contact fading, follow-up
    assert orjson.loads(due.entry)["follow_up_date"] == "2026-03-04"
    later = datetime(2026, 3, 4, 9, tzinfo=UTC)
    [done] = queue_changes(logic.on_action(state_of, action("A2", later)))  # the call-back was made
    assert orjson.loads(done.entry)["follow_up_date"] is None


def test_compliance_inputs_are_carried_with_the_entry(state_of):
    logic.on_assignment(state_of, assignment())
    logic.on_delinquency(state_of, delinquency())
    logic.on_customer(
        state_of, {"cif": "C1", "name": "X", "company_name": "Acme Ltd", "timezone": "America/New_York"}
    )
    at = datetime(2026, 3, 2, 14, tzinfo=UTC)
    for n in range(3):
        logic.on_action(state_of, action(f"A{n}", at + timedelta(minutes=n)))
    logic.on_action(state_of, action("A1", at + timedelta(minutes=1)))  # the same action again
    logic.on_action(state_of, action("IN", at, "NO_ANSWER", subtype="INBOUND"))  # no attempt of ours
    logic.on_action(state_of, action("SMS", at, "NO_ANSWER", type_="SMS"))  # not a call
    [p] = queue_changes(
        logic.on_action(state_of, action("D1", at + timedelta(hours=1), "DISPUTE", account="LN1"))
    )
    entry = orjson.loads(p.entry)
    assert entry["name"] == "Acme Ltd" and entry["timezone"] == "America/New_York"
    assert len(entry["attempts"]) == 4  # three attempts and the call in which the dispute was raised
    assert entry["dispute_open"] and entry["disputes"][0]["debt"] == "LN1"
    resolved = action("R1", at + timedelta(days=1), "DISPUTE_RESOLVED", type_="LETTER", account="LN1")
    [p] = queue_changes(logic.on_action(state_of, resolved))
    assert not orjson.loads(p.entry)["dispute_open"]
    [p] = queue_changes(
        logic.on_action(state_of, action("X1", at + timedelta(days=2), "CEASE_COMMUNICATION", type_="EMAIL"))
    )
    assert orjson.loads(p.entry)["cease"] is True


def test_every_customer_with_a_contact_history_gets_a_snapshot_when_it_changes(state_of):
    logic.on_customer(state_of, {"cif": "C1", "name": "Ann", "timezone": "America/New_York"})
    at = datetime(2026, 3, 2, 14, tzinfo=UTC)
    changes = logic.on_action(state_of, action("A1", at))  # not queued: no agent, no figures
    [snapshot] = snapshots(changes)
    assert queue_changes(changes) == []
    assert (snapshot.cif, snapshot.latest_at) == ("C1", at.timestamp())
    written = orjson.loads(snapshot.snapshot)
    assert written == {
        "cif": "C1",
        "timezone": "America/New_York",
        "latest_action_at": "2026-03-02T14:00:00.000+00:00",
        "attempts": ["2026-03-02T14:00:00.000+00:00"],
        "last_conversation": None,
        "cease": False,
        "cease_at": None,
        "dispute_open": False,
        "disputes": [],
    }
    assert logic.on_action(state_of, action("A1", at)) == []  # the same action again changes nothing
    ceased = action("A2", at + timedelta(hours=1), "CEASE_COMMUNICATION", type_="LETTER")
    [later] = snapshots(logic.on_action(state_of, ceased))
    assert orjson.loads(later.snapshot)["cease_at"] == "2026-03-02T15:00:00.000+00:00"
    assert later.latest_at == (at + timedelta(hours=1)).timestamp()
    # the zone is part of it: a moved customer gets a new snapshot, the same record again none
    moved = {"cif": "C1", "name": "Ann", "timezone": "Asia/Ho_Chi_Minh"}
    [rezoned] = snapshots(logic.on_customer(state_of, moved))
    assert orjson.loads(rezoned.snapshot)["timezone"] == "Asia/Ho_Chi_Minh"
    assert logic.on_customer(state_of, moved) == []


def test_no_snapshot_without_a_contact_history_nor_from_queue_changes(state_of):
    assert logic.on_customer(state_of, {"cif": "C1", "name": "Ann", "timezone": "UTC"}) == []
    logic.on_assignment(state_of, assignment())
    logic.on_delinquency(state_of, delinquency())
    logic.on_action(state_of, action("A1", datetime(2026, 3, 2, 14, tzinfo=UTC)))
    ticked = logic.on_business_date(state_of, DAY + timedelta(days=1))
    assert len(ticked) == 1 and snapshots(ticked) == []
    assert snapshots(logic.on_delinquency(state_of, delinquency(dpd=40))) == []


def test_old_attempts_are_forgotten(state_of):
    history: dict = {}
    start = datetime(2026, 3, 1, 9, tzinfo=UTC)
    for n in range(40):
        history = contacts.with_action(history, action(f"A{n}", start + timedelta(hours=12 * n)))
    kept = sorted(history["attempts"].values())
    newest = start + timedelta(hours=12 * 39)
    assert kept[-1] == contacts.utc_text(newest)
    assert kept[0] >= contacts.utc_text(newest - timedelta(days=contacts.KEEP_ATTEMPT_DAYS))
    assert len(kept) == 17  # 8 days of two a day, and the newest


MOMENTS = st.integers(0, 20 * 24).map(lambda h: datetime(2026, 3, 1, tzinfo=UTC) + timedelta(hours=h))
ACTIONS = st.lists(
    st.builds(
        action,
        st.sampled_from([f"A{n}" for n in range(8)]),
        MOMENTS,
        st.sampled_from(["NO_ANSWER", "PAID", "DISPUTE", "DISPUTE_RESOLVED", "CEASE_COMMUNICATION"]),
        st.sampled_from(["CALL", "VISIT"]),
        st.sampled_from(["OUTBOUND", "INBOUND"]),
        st.sampled_from([None, "LN1"]),
        follow_up=st.sampled_from([None, date(2026, 3, 4), date(2026, 3, 9)]),
    ),
    max_size=12,
    unique_by=lambda a: a["action_id"],
)


@given(ACTIONS, st.randoms())
def test_the_history_does_not_depend_on_arrival_order_or_repeats(actions, rnd):
    def fold(sequence):
        history: dict = {}
        for a in sequence:
            history = contacts.with_action(history, a)
        return contacts.compliance_inputs(history), history.get("follow_up")

    shuffled = actions * 2
    rnd.shuffle(shuffled)
    assert fold(shuffled) == fold(actions)


def test_figures_that_cannot_be_ranked_are_refused_before_they_are_stored(state_of):
    logic.on_assignment(state_of, assignment())
    logic.on_delinquency(state_of, delinquency())
    with pytest.raises(DomainError):
        logic.on_delinquency(state_of, delinquency(dpd=-3))
    [placement] = logic.on_business_date(state_of, DAY + timedelta(days=1))  # the tick still ranks
    assert orjson.loads(placement.entry)["dpd"] == 11


def test_the_worst_loans_currency_ranks_a_customer_with_several():
    record = delinquency(
        overdue="0",
        accounts=[
            {"currency": "USD", "dpd": 40},
            {"currency": "VND", "dpd": 70},
            {"currency": "EUR", "dpd": 90},
        ],
    )
    record["overdue_total"] = {"USD": "100.00", "VND": "2500000", "EUR": "0"}
    assert logic.queued_overdue(record) == (pytest.approx(2500000), "VND")
    record["overdue_total"] = {"USD": "0"}
    assert logic.queued_overdue(record)[0] == 0


def test_an_entry_ranked_in_one_currency_names_the_amounts_overdue_in_the_others(state_of):
    record = delinquency(accounts=[{"currency": "USD", "dpd": 10}, {"currency": "VND", "dpd": 3}])
    record["overdue_total"] = {"USD": "500.00", "VND": "24944596", "EUR": "0"}
    logic.on_assignment(state_of, assignment())
    [placement] = logic.on_delinquency(state_of, record)
    entry = orjson.loads(placement.entry)
    assert (entry["overdue_amount"], entry["currency"]) == ("500.00", "USD")
    assert entry["reason"].endswith("; also overdue: 24,944,596 VND")
    [placement] = logic.on_business_date(state_of, DAY + timedelta(days=1))  # kept through a tick
    assert orjson.loads(placement.entry)["reason"].endswith("; also overdue: 24,944,596 VND")
    single = delinquency(cif="C1")
    [placement] = logic.on_delinquency(state_of, single)
    assert "also overdue" not in orjson.loads(placement.entry)["reason"]


# ---- reading: compliance at the moment of reading ----


def stored_entry(**compliance) -> dict:
    return {
        "cif": "C1",
        "name": "Ann Lee",
        "priority": 64.0,
        "reason": "DPD 10 (1-29), overdue 500.00 USD",
        "dpd": 10,
        "bucket": "1-29",
        "overdue_amount": "500.00",
        "currency": "USD",
        "campaign": "Early",
        "timezone": "America/New_York",
        "attempts": [],
        "last_conversation": None,
        "cease": False,
        "cease_at": None,
        "dispute_open": False,
        "disputes": [],
        **compliance,
    }


def test_a_read_entry_is_shaped_like_the_api_queue_entry():
    view = entry_view(stored_entry(), datetime(2026, 3, 2, 15, tzinfo=UTC))  # 10:00 in New York
    assert view["contactable_now"] is True and view["blocked_by"] is None and view["contactable_from"] is None
    assert QueueEntry.model_validate(view).model_dump(mode="json")["overdue_amount"] == "500.00"
    assert set(view) == set(QueueEntry.model_fields)
    assert view["contact"] is None  # an entry written before contacts were shown
    mobile = {"channel": "PHONE", "value": "+84 91 555 0001", "type": "MOBILE"}
    shown = {**mobile, "name": None, "relationship": None}  # as the processor stores it (`first_contact`)
    view = entry_view(stored_entry(contact=shown), datetime(2026, 3, 2, 15, tzinfo=UTC))
    assert QueueEntry.model_validate(view).contact.model_dump() == shown


def test_seven_attempts_mark_the_customer_not_contactable_until_the_window_moves():
    attempts = [contacts.utc_text(datetime(2026, 3, 2, 9, m, tzinfo=NY)) for m in range(7)]
    view = entry_view(stored_entry(attempts=attempts), datetime(2026, 3, 3, 12, tzinfo=NY))
    assert (view["contactable_now"], view["blocked_by"]) == (False, "ATTEMPT_LIMIT_7_IN_7")
    assert view["contactable_from"] == datetime(2026, 3, 9, 8, tzinfo=NY)
    assert view["contactable_from"].utcoffset() == timedelta(hours=-4)  # after the DST switch of the 8th


def test_a_demo_s_business_date_far_ahead_of_the_wall_clock_is_when_its_calls_are_judged():
    """A demo's business date runs a day a minute and its calls are dated on it: judged at the wall clock
    they were all in the future and blocked nothing; from two days ahead they are judged on the business
    date, at the wall clock's time of day (the calling hours). A bank's date is never that far ahead."""
    wall = datetime(2026, 3, 2, 15, tzinfo=UTC)  # 10:00 in New York
    spoken = {"at": contacts.utc_text(datetime(2026, 4, 20, 11, tzinfo=NY)), "outbound": True}
    ahead = stored_entry(last_conversation=spoken, attempts=[spoken["at"]], business_date="2026-04-20")
    decisions = Decisions(wall)
    view = entry_view(ahead, wall, decisions=decisions)
    assert (view["contactable_now"], view["blocked_by"]) == (False, "CONVERSATION_COOLDOWN_7_DAYS")
    assert view["contactable_from"] == datetime(2026, 4, 27, 8, tzinfo=NY)  # on the demo's calendar
    assert decisions.holds_until <= wall + MAX_HOLD  # the page is re-decided by the wall clock
    # one without history, outside calling hours, says from when on the same calendar
    saigon = ZoneInfo("Asia/Ho_Chi_Minh")  # 22:00 there
    quiet = stored_entry(timezone="Asia/Ho_Chi_Minh", business_date="2026-04-20")
    late = entry_view(quiet, wall, decisions=decisions)
    assert (late["blocked_by"], late["contactable_from"]) == (
        "OUTSIDE_CALLING_HOURS",
        datetime(2026, 4, 21, 8, tzinfo=saigon),
    )
    # a day ahead (a bank past midnight east of UTC): judged at the wall clock, as ever
    near = {**ahead, "business_date": "2026-03-03"}
    assert entry_view(near, wall)["contactable_now"] is True
    assert entry_view({**quiet, "business_date": "2026-03-03"}, wall)["contactable_from"] == datetime(
        2026, 3, 3, 8, tzinfo=saigon
    )


@pytest.mark.parametrize(
    ("now_utc", "allowed", "opens_utc"),
    [
        (datetime(2026, 3, 7, 12, 30, tzinfo=UTC), False, datetime(2026, 3, 7, 13, tzinfo=UTC)),  # EST
        (datetime(2026, 3, 8, 11, 59, tzinfo=UTC), False, datetime(2026, 3, 8, 12, tzinfo=UTC)),  # EDT
        (datetime(2026, 3, 8, 12, 0, tzinfo=UTC), True, None),
        (datetime(2026, 11, 1, 12, 30, tzinfo=UTC), False, datetime(2026, 11, 1, 13, tzinfo=UTC)),  # EST
        (datetime(2026, 11, 2, 1, 59, tzinfo=UTC), True, None),  # 20:59 EST
        (datetime(2026, 11, 2, 2, 0, tzinfo=UTC), False, datetime(2026, 11, 2, 13, tzinfo=UTC)),
    ],
)
def test_calling_hours_are_the_customers_across_dst_switches(now_utc, allowed, opens_utc):
    view = entry_view(stored_entry(), now_utc)
    assert view["contactable_now"] is allowed
    if not allowed:
        assert view["blocked_by"] == "OUTSIDE_CALLING_HOURS" and view["contactable_from"] == opens_utc


def test_cease_dispute_and_conversation_marks():
    now = datetime(2026, 3, 5, 15, tzinfo=UTC)
    ceased = entry_view(stored_entry(cease=True, cease_at="2026-03-01T10:00:00.000+00:00"), now)
    assert (ceased["blocked_by"], ceased["contactable_from"]) == ("CEASE_COMMUNICATION", None)
    dispute = [{"debt": "LN1", "opened_at": "2026-03-01T15:00:00.000+00:00", "resolved_at": None}]
    disputed = entry_view(stored_entry(dispute_open=True, disputes=dispute), now)
    assert disputed["blocked_by"] == "DISPUTE_OPEN"
    assert disputed["contactable_from"] == datetime(2026, 3, 31, 8, tzinfo=NY)
    talk = {"at": "2026-03-04T15:00:00.000+00:00", "outbound": True}
    talked = entry_view(stored_entry(last_conversation=talk), now)
    assert talked["blocked_by"] == "CONVERSATION_COOLDOWN_7_DAYS"
    assert talked["contactable_from"] == datetime(2026, 3, 11, 8, tzinfo=NY)


def test_a_field_agents_entry_is_decided_for_a_visit_which_the_call_frequency_rules_do_not_govern():
    now = datetime(2026, 3, 5, 15, tzinfo=UTC)  # 10:00 in New York
    talk = {"at": "2026-03-04T15:00:00.000+00:00", "outbound": True}
    attempts = [contacts.utc_text(datetime(2026, 3, 4, 9, m, tzinfo=NY)) for m in range(7)]
    spoken = stored_entry(last_conversation=talk, attempts=attempts)
    assert entry_view(spoken, now)["blocked_by"] == "ATTEMPT_LIMIT_7_IN_7"  # a call agent's: no call now
    visit = entry_view({**spoken, "agent_type": "FIELD"}, now)
    assert (visit["contactable_now"], visit["blocked_by"]) == (True, None)  # a visit may be made
    # what governs every communication governs a visit too
    late = entry_view({**spoken, "agent_type": "FIELD"}, datetime(2026, 3, 5, 3, tzinfo=UTC))
    assert late["blocked_by"] == "OUTSIDE_CALLING_HOURS"
    ceased = {**spoken, "agent_type": "FIELD", "cease": True, "cease_at": "2026-03-01T10:00:00.000+00:00"}
    assert entry_view(ceased, now)["blocked_by"] == "CEASE_COMMUNICATION"
    dispute = [{"debt": "LN1", "opened_at": "2026-03-01T15:00:00.000+00:00", "resolved_at": None}]
    disputed = {**spoken, "agent_type": "FIELD", "dispute_open": True, "disputes": dispute}
    assert entry_view(disputed, now)["blocked_by"] == "DISPUTE_OPEN"
    # one page holding both agents' entries of the customer decides each for its own kind of contact
    decisions = Decisions(now)
    assert [decisions.decide(e).allowed for e in (spoken, {**spoken, "agent_type": "FIELD"})] == [False, True]


def test_a_customer_without_a_zone_gets_the_rules_default():
    view = entry_view(stored_entry(timezone=None), datetime(2026, 3, 2, 7, tzinfo=UTC))
    assert view["blocked_by"] == "OUTSIDE_CALLING_HOURS"
    assert view["contactable_from"] == datetime(2026, 3, 2, 8, tzinfo=UTC)
