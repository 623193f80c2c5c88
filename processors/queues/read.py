"""Reading an agent's queue from Redis, with contactability decided at the moment of reading.

Calling hours depend on the time of day, so the processor stores the compliance inputs (zone, recent
attempts, last conversation, cease, disputes) with each entry, and :func:`read_queue` asks
`domain.compliance.may_contact` at ``now``. Entries come highest priority first, shaped like
`contracts.api.QueueEntry` (money as a decimal string). This module needs only a Redis client: the API's
route calls it, and so do tests and tools. :func:`read_contact_inputs` reads one customer's contact
snapshot (the same compliance inputs, kept for every customer with a contact history, queued or not).
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
import redis

from contracts.api import QueueEntry
from domain.compliance import ComplianceRules, may_contact
from processors.queues.contacts import contact_events
from processors.queues.layout import contacts_entries_key, entries_key, queue_key

DEFAULT_RULES = ComplianceRules()
_SHOWN = tuple(QueueEntry.model_fields)  # a field QueueEntry gains later (e.g. currency) is passed on


@lru_cache(maxsize=1024)
def _zone(name: str | None) -> tzinfo | None:
    """The customer's IANA zone; None (the rules' default zone) when unknown or unset."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def entry_view(entry: dict, now: datetime, rules: ComplianceRules = DEFAULT_RULES) -> dict:
    """A stored entry as an agent sees it at ``now``: contactable now, or why not and from when."""
    zone = _zone(entry.get("timezone"))
    decision = may_contact(contact_events(entry), now, zone, rules)
    view = {
        **entry,
        "contactable_now": decision.allowed,
        "blocked_by": None if decision.allowed else str(decision.blocked_by),
        "contactable_from": None if decision.allowed else decision.contactable_from,
    }
    return {field: view.get(field) for field in _SHOWN}


def read_queue(
    redis_client: redis.Redis,
    namespace: str,
    agent_id: str,
    now: datetime,
    limit: int = 50,
    offset: int = 0,
    rules: ComplianceRules = DEFAULT_RULES,
) -> list[dict]:
    """Agent ``agent_id``'s entries ``offset`` to ``offset + limit``, highest priority first.

    ``now`` is an aware datetime (the wall clock: calling hours are about the customer's real time). An
    entry removed between the two reads is left out.
    """
    if limit <= 0:
        return []
    cifs = redis_client.zrevrange(queue_key(namespace, agent_id), offset, offset + limit - 1)
    if not cifs:
        return []
    stored = redis_client.hmget(entries_key(namespace, agent_id), cifs)
    return [entry_view(orjson.loads(raw), now, rules) for raw in stored if raw is not None]


def queue_length(redis_client: redis.Redis, namespace: str, agent_id: str) -> int:
    """How many customers are in the agent's queue (for paging)."""
    return redis_client.zcard(queue_key(namespace, agent_id))


def read_contact_inputs(redis_client: redis.Redis, namespace: str, cif: str) -> dict | None:
    """The customer's compliance inputs and ``timezone`` as the queues processor last wrote them (the shape
    of an entry's, for `contacts.contact_events`); None when no action of theirs has been processed."""
    raw = redis_client.hget(contacts_entries_key(namespace), cif)
    return None if raw is None else orjson.loads(raw)
