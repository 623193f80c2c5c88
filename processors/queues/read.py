"""Reading an agent's queue from Redis, with contactability decided at the moment of reading.

Calling hours depend on the time of day, so the processor stores the compliance inputs (zone, recent
attempts, last conversation, cease, disputes) with each entry, and :func:`read_queue` asks
`domain.compliance.may_contact` at ``now``. Entries come highest priority first, shaped like
`contracts.api.QueueEntry` (money as a decimal string). This module needs only a Redis client: the API's
route calls :func:`read_queue_page` (asyncio, two round trips) and :func:`entries_json`, tests and tools
:func:`read_queue`. :func:`read_contact_inputs` reads one customer's contact snapshot (the same compliance
inputs, kept for every customer with a contact history, queued or not).

An entry without any contact history is decided by its zone alone, so such entries are decided once per
zone per read (most of a queue: it is the customers nobody has reached yet).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, tzinfo
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
import redis
import redis.asyncio as aioredis
from redis.exceptions import NoScriptError

from contracts.api import QueueEntry
from domain.compliance import ComplianceRules, Decision, may_contact
from processors.queues.contacts import contact_events
from processors.queues.layout import contacts_entries_key, entries_key, queue_key

DEFAULT_RULES = ComplianceRules()
_SHOWN = tuple(QueueEntry.model_fields)  # a field QueueEntry gains later (e.g. currency) is passed on


@lru_cache(maxsize=1024)
def zone_named(name: str | None) -> tzinfo | None:
    """A customer's IANA zone by name; None (the rules' default zone) when unset or unknown."""
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def _has_history(entry: dict) -> bool:
    """Whether the entry holds any contact history (what `contact_events` reads)."""
    return bool(
        entry.get("attempts")
        or entry.get("last_conversation")
        or entry.get("cease_at")
        or entry.get("disputes")
    )


def entry_view(
    entry: dict,
    now: datetime,
    rules: ComplianceRules = DEFAULT_RULES,
    by_zone: dict[str | None, Decision] | None = None,
) -> dict:
    """A stored entry as an agent sees it at ``now``: contactable now, or why not and from when.

    ``by_zone``: decisions already made at ``now`` for entries without contact history, by zone name (filled
    as it goes); such an entry's decision depends on nothing else."""
    name = entry.get("timezone")
    if by_zone is not None and not _has_history(entry):
        decision = by_zone.get(name)
        if decision is None:
            decision = by_zone[name] = may_contact((), now, zone_named(name), rules)
    else:
        decision = may_contact(contact_events(entry), now, zone_named(name), rules)
    view = {field: entry.get(field) for field in _SHOWN}  # in QueueEntry's order
    view["contactable_now"] = decision.allowed
    view["blocked_by"] = None if decision.allowed else str(decision.blocked_by)
    view["contactable_from"] = None if decision.allowed else decision.contactable_from
    return view


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
    return entry_views(stored, now, rules)


def entry_views(
    stored: Iterable[bytes | None], now: datetime, rules: ComplianceRules = DEFAULT_RULES
) -> list[dict]:
    """The views of stored entries (JSON; None for one removed meanwhile, left out), in their order."""
    by_zone: dict[str | None, Decision] = {}
    return [entry_view(orjson.loads(raw), now, rules, by_zone) for raw in stored if raw is not None]


# One round trip, one consistent moment and one reply to parse for a page: the ranking's length, and the
# slice's entries joined into one JSON array by Redis (a member without an entry is left out), which one
# `orjson.loads` reads. Both keys carry the agent's hash tag, so they live on one Redis Cluster node.
_PAGE_SCRIPT = b"""
local cifs = redis.call('ZREVRANGE', KEYS[1], ARGV[1], ARGV[2])
local total = redis.call('ZCARD', KEYS[1])
if #cifs == 0 then return {total, '[]'} end
local found = {}
for _, entry in ipairs(redis.call('HMGET', KEYS[2], unpack(cifs))) do
  if entry then found[#found + 1] = entry end
end
return {total, '[' .. table.concat(found, ',') .. ']'}
"""
_PAGE_SHA = hashlib.sha1(_PAGE_SCRIPT).hexdigest()


async def read_queue_page(
    client: aioredis.Redis,
    namespace: str,
    agent_id: str,
    now: datetime,
    limit: int = 50,
    offset: int = 0,
    rules: ComplianceRules = DEFAULT_RULES,
) -> tuple[list[dict], int]:
    """:func:`read_queue` and :func:`queue_length` together, on asyncio: the page and the queue's length."""
    if limit <= 0:
        return [], await client.zcard(queue_key(namespace, agent_id))
    keys_and_args = (
        queue_key(namespace, agent_id),
        entries_key(namespace, agent_id),
        offset,
        offset + limit - 1,
    )
    try:
        total, entries = await client.evalsha(_PAGE_SHA, 2, *keys_and_args)
    except NoScriptError:  # first use on this server (EVAL caches it there)
        total, entries = await client.eval(_PAGE_SCRIPT, 2, *keys_and_args)
    by_zone: dict[str | None, Decision] = {}
    return [entry_view(entry, now, rules, by_zone) for entry in orjson.loads(entries)], total


def entries_json(views: list[dict]) -> bytes:
    """The views as the API's JSON array of `QueueEntry`, byte for byte what pydantic writes for them
    (money as a plain decimal string, UTC as ``Z``) without validating what this module just built. The
    views are changed in place (money formatted)."""
    for view in views:  # in place: the views were built for this answer
        view["priority"] = float(view["priority"])  # a number, always written with its decimal point
        view["overdue_amount"] = format(Decimal(view["overdue_amount"]), "f")
    return orjson.dumps(views, option=orjson.OPT_UTC_Z)


def queue_length(redis_client: redis.Redis, namespace: str, agent_id: str) -> int:
    """How many customers are in the agent's queue (for paging)."""
    return redis_client.zcard(queue_key(namespace, agent_id))


def read_contact_inputs(redis_client: redis.Redis, namespace: str, cif: str) -> dict | None:
    """The customer's compliance inputs and ``timezone`` as the queues processor last wrote them (the shape
    of an entry's, for `contacts.contact_events`); None when no action of theirs has been processed."""
    return _contact_inputs(redis_client.hget(contacts_entries_key(namespace), cif))


async def read_contact_inputs_async(redis_client: aioredis.Redis, namespace: str, cif: str) -> dict | None:
    """:func:`read_contact_inputs` on the event loop."""
    return _contact_inputs(await redis_client.hget(contacts_entries_key(namespace), cif))


def _contact_inputs(raw: bytes | None) -> dict | None:
    return None if raw is None else orjson.loads(raw)
