"""Queue events from the Redis sink's changes (pure: no Redis), and the pieces of the SSE endpoint that
need no service (event ids, event text, who receives what)."""

from __future__ import annotations

import orjson
import pytest

from api.events import Audience, audience_of, sse
from api.metrics import client_allowed, route_template
from api.security import Principal
from contracts.admin import Role
from processors.queues.events import MAX_LISTED, queue_agent, queue_events, queue_events_of
from processors.queues.layout import entries_key, member_change, queue_key
from sinks.redis import AppliedChange, MemberChange, events_stream_key, stream_fields, stream_id

NS = "t1."


def applied(agent: str, cif: str, score: float | None, before: float | None, ns: str = NS) -> AppliedChange:
    return AppliedChange(member_change(ns, agent, cif, score, None if score is None else b"{}"), before)


def test_one_event_per_agent_with_added_removed_and_changed_cifs():
    events = queue_events_of(
        NS,
        [
            applied("A-1", "C1", 5.0, None),  # new in the queue
            applied("A-2", "C9", None, 3.0),  # left A-2's queue
            applied("A-1", "C2", 7.0, 6.0),  # re-ranked
            applied("A-1", "C3", None, 1.0),
            applied("A-1", "C4", 2.0, 2.0),  # written again, same score: the entry may differ
        ],
    )
    assert events == [
        {
            "type": "queue",
            "agent_id": "A-1",
            "added": ["C1"],
            "removed": ["C3"],
            "changed": ["C2", "C4"],
            "counts": {"added": 1, "removed": 1, "changed": 2},
        },
        {
            "type": "queue",
            "agent_id": "A-2",
            "added": [],
            "removed": ["C9"],
            "changed": [],
            "counts": {"added": 0, "removed": 1, "changed": 0},
        },
    ]


def test_removing_a_customer_who_was_not_there_is_no_event():
    assert queue_events_of(NS, [applied("A-1", "C1", None, None)]) == []


def test_contact_histories_and_other_keys_make_no_event():
    contacts = MemberChange(f"{NS}contacts", f"{NS}contacts:entries", "C1", 1.0, b"{}")
    others = [
        AppliedChange(contacts, None),
        AppliedChange(contacts._replace(score=None), 1.0),
        AppliedChange(MemberChange(entries_key(NS, "A-1"), "x", "C1", 1.0, b""), None),  # not a ranking
        applied("A-1", "C1", 1.0, None, ns="t2."),  # another namespace's queue
        AppliedChange(MemberChange(f"{NS}queue:{{}}", "x", "C1", 1.0, b""), None),  # no agent
    ]
    assert queue_events_of(NS, others) == []
    assert queue_agent(NS, queue_key(NS, "A:17")) == "A:17"
    assert queue_agent(NS, f"{NS}contacts") is None
    assert queue_agent("", queue_key("", "A-1")) == "A-1" and queue_agent("", f"{NS}queue:{{A-1}}") is None


def test_long_lists_are_capped_but_counted():
    many = [applied("A-1", f"C{i:04}", 1.0, None) for i in range(MAX_LISTED + 50)]
    [event] = queue_events_of(NS, many)
    assert event["added"] == [f"C{i:04}" for i in range(MAX_LISTED)]
    assert event["counts"] == {"added": MAX_LISTED + 50, "removed": 0, "changed": 0}


def test_the_stream_entry_has_routing_fields_and_the_whole_event():
    stream = queue_events(NS)
    assert stream.key == events_stream_key(NS) == f"{NS}events" and stream.max_len == 100_000
    [event] = stream.events_of([applied("A-1", "C1", 5.0, None)])
    fields = stream_fields(event)
    assert fields["type"] == "queue" and fields["agent_id"] == "A-1"
    assert orjson.loads(fields["data"]) == event


def test_stream_ids_are_checked_and_compared_as_numbers():
    assert stream_id("1732540000000-0") < stream_id("1732540000000-1") < stream_id("1732540000001-0")
    assert stream_id("9-0") < stream_id("10-0")  # not as text
    for bad in ("", "abc", "1-", "-1", "1-2-3", "1732540000000", "1 -0"):
        with pytest.raises(ValueError):
            stream_id(bad)


def test_event_text():
    assert sse("queue", b'{"a":1}', b"5-0") == b'id: 5-0\nevent: queue\ndata: {"a":1}\n\n'
    assert sse("portfolio", b"{}") == b"event: portfolio\ndata: {}\n\n"


def test_who_receives_which_queue_events():
    agent = audience_of(Principal("a", Role.AGENT, "A-1"))
    assert agent.wants({b"agent_id": b"A-1"}) and not agent.wants({b"agent_id": b"A-2"})
    assert not agent.wants({b"type": b"other"}) and not agent.portfolio
    team = audience_of(Principal("s", Role.SUPERVISOR, team="TEAM-1"))
    assert team.team == "TEAM-1" and team.portfolio and not team.wants({b"agent_id": b"A-1"})
    team.agents = frozenset({"A-1"})
    assert team.wants({b"agent_id": b"A-1"}) and not team.wants({b"agent_id": b"A-2"})
    for everyone in (Principal("h", Role.SUPERVISOR), Principal("x", Role.ADMIN)):
        audience = audience_of(everyone)
        assert audience.wants({b"agent_id": b"A-9"}) and audience.portfolio and audience.team is None
    assert audience_of(Principal("i", Role.INTEGRATION)) == Audience()  # keep-alives only
    lost = audience_of(Principal("a", Role.AGENT))  # an agent login without an agent id
    assert not lost.wants({b"agent_id": b""}) and not lost.wants({b"agent_id": b"A-1"})


def test_metrics_networks_and_route_templates():
    assert client_allowed("127.0.0.1", "127.0.0.0/8,::1/128") and client_allowed("::1", "127.0.0.0/8,::1/128")
    assert client_allowed("::ffff:127.0.0.1", "127.0.0.0/8")  # IPv4 on a dual-stack socket
    assert not client_allowed("10.1.2.3", "127.0.0.0/8,::1/128")
    assert not client_allowed(None, "127.0.0.0/8") and not client_allowed("not-an-ip", "0.0.0.0/0")
    assert client_allowed("10.1.2.3", " 10.0.0.0/8 , 127.0.0.1") and not client_allowed("10.1.2.3", "")

    class Route:
        path = "/api/customers/{cif}"

    assert route_template({"route": Route()}) == "/api/customers/{cif}"
    assert route_template({"path": "/nothing/here"}) == "<unmatched>"
