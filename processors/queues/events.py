"""Live events about agents' queues, appended by the Redis sink in the same transaction as the queue writes
(read by the API's ``GET /api/events``).

One event per agent whose queue a transaction changed::

    {"type": "queue", "agent_id": "A-17", "added": [cif...], "removed": [...], "changed": [...],
     "counts": {"added": 1, "removed": 0, "changed": 250}}

``added``: the customer was not in the queue before; ``changed``: it was, and its rank or entry was
written again; ``removed``: it was, and left. Each list holds at most ``MAX_LISTED`` cifs (``counts`` has the
full numbers): a client re-reads the queue rather than patching it. Only changes of a queue's sorted set
(``{ns}queue:{AGENT}``) count; other sets written through the same sink (e.g. contact histories) and
removals of customers who were not there make no event.
"""

from __future__ import annotations

from typing import Any

from processors.queues.layout import queue_key
from sinks.redis import AppliedChange, EventStream, events_stream_key

MAX_LISTED = 100  # cifs per list in one event; a business-date tick can move thousands in one queue
KINDS = ("added", "removed", "changed")


def queue_agent(namespace: str, ranking: str) -> str | None:
    """The agent whose queue ``ranking`` is, or None for any other key."""
    prefix = queue_key(namespace, "")[:-1]  # "{ns}queue:{"
    if not (ranking.startswith(prefix) and ranking.endswith("}")):
        return None
    agent_id = ranking[len(prefix) : -1]
    return agent_id if agent_id and "{" not in agent_id and "}" not in agent_id else None


def change_kind(score: float | None, previous_score: float | None) -> str | None:
    """``added``, ``changed`` or ``removed``; None for removing a member that was not there."""
    if score is None:
        return None if previous_score is None else "removed"
    return "added" if previous_score is None else "changed"


def queue_event(agent_id: str, cifs: dict[str, list[str]]) -> dict[str, Any]:
    return {
        "type": "queue",
        "agent_id": agent_id,
        **{kind: cifs[kind][:MAX_LISTED] for kind in KINDS},
        "counts": {kind: len(cifs[kind]) for kind in KINDS},
    }


def queue_events_of(namespace: str, applied: list[AppliedChange]) -> list[dict[str, Any]]:
    """One ``queue`` event per agent whose queue the changes touch, in the order agents first appear."""
    per_agent: dict[str, dict[str, list[str]]] = {}
    agent_of: dict[str, str | None] = {}  # per sorted set: a batch touches each agent's queue many times
    for change, previous_score in applied:
        if change.ranking not in agent_of:
            agent_of[change.ranking] = queue_agent(namespace, change.ranking)
        agent_id = agent_of[change.ranking]
        kind = change_kind(change.score, previous_score) if agent_id is not None else None
        if kind is None:
            continue
        cifs = per_agent.setdefault(agent_id, {name: [] for name in KINDS})
        cifs[kind].append(change.member)
    return [queue_event(agent_id, cifs) for agent_id, cifs in per_agent.items()]


def queue_events(namespace: str) -> EventStream:
    """The sink's event stream for the queues of ``namespace``."""
    return EventStream(events_stream_key(namespace), lambda applied: queue_events_of(namespace, applied))
