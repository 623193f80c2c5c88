"""What the queues processor writes again when Redis lost its queues (`logic.written_changes`) is exactly
what its changes had left there, whatever happened before."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from processors.queues import logic
from tests.fakes import DictState

DAY = date(2026, 3, 2)
CIFS, AGENTS, TYPES = ("C1", "C2", "C3", "C4"), ("AG1", "AG2", None), ("CALL", "FIELD")


def redis_after(view: dict, changes) -> dict:
    """The changes applied as the Redis sink applies them: (queue or "contacts", cif) → value."""
    for change in changes:
        if isinstance(change, logic.ContactSnapshot):
            view[("contacts", change.cif)] = (change.latest_at, change.snapshot)
        elif change.score is None:
            view.pop((change.agent_id, change.cif), None)
        else:
            view[(change.agent_id, change.cif)] = (change.score, change.entry)
    return view


def _assignment(cif, agent, agent_type):
    return lambda s: logic.on_assignment(
        s, {"cif": cif, "agent_type": agent_type, "agent_id": agent, "campaign_id": "EARLY"}
    )


def _delinquency(cif, dpd, day):
    overdue = "0" if dpd == 0 else f"{dpd * 10}.00"
    record = {
        "cif": cif,
        "business_date": (DAY + timedelta(days=day)).isoformat(),
        "max_dpd": dpd,
        "overdue_total": {"USD": overdue},
        "accounts": [],
    }
    return lambda s: logic.on_delinquency(s, record)


def _action(cif, n, result, day):
    at = datetime(2026, 3, 2, 10, tzinfo=UTC) + timedelta(days=day, minutes=n)
    action = {
        "action_id": f"{cif}-{n}",
        "cif": cif,
        "account_number": None,
        "type": "CALL",
        "subtype": "OUTBOUND",
        "result": result,
        "at": at,
        "follow_up_date": None,
    }
    return lambda s: logic.on_action(s, action)


def _tick(day):
    return lambda s: logic.on_business_date(s, DAY + timedelta(days=day))


events = st.one_of(
    st.builds(_assignment, st.sampled_from(CIFS), st.sampled_from(AGENTS), st.sampled_from(TYPES)),
    st.builds(_delinquency, st.sampled_from(CIFS), st.integers(0, 120), st.integers(0, 5)),
    st.builds(
        _action,
        st.sampled_from(CIFS),
        st.integers(0, 50),
        st.sampled_from(["NO_ANSWER", "PROMISE_TO_PAY", "CEASE_COMMUNICATION"]),
        st.integers(0, 5),
    ),
    st.builds(_tick, st.integers(0, 10)),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(events, max_size=40))
def test_what_is_written_again_equals_what_the_changes_left_in_redis(history):
    store: dict = {}
    state_of = lambda prefix: DictState(store, prefix)  # noqa: E731
    view: dict = {}
    for event in history:
        redis_after(view, event(state_of))
    before = dict(store)
    assert redis_after({}, logic.written_changes(state_of)) == view
    assert store == before  # reading only


def test_a_customer_without_anything_is_written_nowhere():
    store: dict = {}
    state_of = lambda prefix: DictState(store, prefix)  # noqa: E731
    _assignment("C1", "AG1", "CALL")(state_of)  # an agent but nothing overdue: not queued
    assert list(logic.written_changes(state_of)) == []
