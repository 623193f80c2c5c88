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
from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson
import redis
import redis.asyncio as aioredis
from redis.exceptions import NoScriptError

from contracts.api import QueueEntry
from crm.settings import Settings
from domain.compliance import ComplianceRules, Decision, calling_hours, decision_holds_until, may_contact
from processors.queues.contacts import contact_events
from processors.queues.layout import contacts_entries_key, entries_key, queue_key
from processors.queues.logic import FIELD

DEFAULT_RULES = ComplianceRules()


def deployment_rules(settings: Settings) -> ComplianceRules:
    """The contact rules a deployment's settings make (`CRM_CUSTOMER_DEFAULT_TIMEZONE`,
    `CRM_CALLING_HOURS`): the queues' pages and the action check take them from here, so they agree."""
    return rules_for(settings.customer_default_timezone, settings.calling_hours)


@lru_cache(maxsize=8)
def rules_for(default_zone: str, hours: str) -> ComplianceRules:
    """The contact rules with ``default_zone`` (an IANA name, `CRM_CUSTOMER_DEFAULT_TIMEZONE`) for the
    customers who have no zone of their own and the local calling ``hours`` (`CRM_CALLING_HOURS`): what the
    queues show and what recording an action checks."""
    start, end = calling_hours(hours)
    return ComplianceRules(
        default_timezone=ZoneInfo(default_zone), calling_hours_start=start, calling_hours_end=end
    )


# The longest a page's decisions are said to hold, whatever the rules say (a bound on any mistake in them).
MAX_HOLD = timedelta(minutes=5)
DEMO_CLOCK_DAYS = 2  # a business date this far after the wall clock's date is a demo's: its calls follow it
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


def business_days_ahead(business_date: str | None, now: datetime) -> timedelta:
    """How far to move ``now`` so that a customer's contact history is judged on the entry's business date
    when that is two days or more after the wall clock's UTC date (a demo's clock, which runs a day a minute
    and dates its calls on the business date: judged at the wall clock, they would all be "in the future"
    and block nothing, while recording the next call, judged at its own moment, is refused). Whole days,
    so the time of day, which the calling hours read, stays the wall clock's; every entry's "from when" is
    then on the demo's calendar, with or without history. Nothing otherwise: a bank's business date is
    never two days after any calendar's date."""
    if not business_date:
        return timedelta(0)
    days = (date.fromisoformat(business_date) - now.astimezone(UTC).date()).days
    return timedelta(days=days) if days >= DEMO_CLOCK_DAYS else timedelta(0)


def _has_history(entry: dict) -> bool:
    """Whether the entry holds any contact history (what `contact_events` reads)."""
    return bool(
        entry.get("attempts")
        or entry.get("last_conversation")
        or entry.get("cease_at")
        or entry.get("disputes")
    )


class Decisions:
    """Compliance decisions at one moment for the entries of one answer, and until when they all hold.

    Entries without any contact history are decided once per zone (they depend on nothing else). A field
    agent's entry is decided for a visit, a call agent's for a call.
    ``holds_until``: the earliest moment at which one of the decisions made may change with time alone
    (`domain.compliance.decision_holds_until`), at most ``MAX_HOLD`` after ``now``."""

    __slots__ = ("_ahead", "_by_zone", "holds_until", "now", "rules")

    def __init__(self, now: datetime, rules: ComplianceRules = DEFAULT_RULES) -> None:
        self.now, self.rules = now, rules
        self._by_zone: dict[tuple[str | None, timedelta], tuple[Decision, datetime]] = {}
        self._ahead: dict[str | None, timedelta] = {}
        self.holds_until = now + MAX_HOLD

    def decide(self, entry: dict) -> Decision:
        name, business_date = entry.get("timezone"), entry.get("business_date")
        ahead = self._ahead.get(business_date)
        if ahead is None:
            ahead = self._ahead[business_date] = business_days_ahead(business_date, self.now)
        at = self.now + ahead  # a demo's calendar, so that every entry's "from when" is on the same one
        if _has_history(entry):
            events, zone = list(contact_events(entry)), zone_named(name)
            # a field agent's entry asks whether a visit may be made: the call-frequency rules do not
            # govern visits (`may_contact`'s ``frequency``), as the API's check of a recorded visit says
            decided = may_contact(events, at, zone, self.rules, frequency=entry.get("agent_type") != FIELD)
            until = decision_holds_until(events, at, zone, self.rules) - ahead
        else:
            known = self._by_zone.get((name, ahead))
            if known is None:
                zone = zone_named(name)
                known = self._by_zone[name, ahead] = (
                    may_contact((), at, zone, self.rules),
                    decision_holds_until((), at, zone, self.rules) - ahead,
                )
            decided, until = known
        if until < self.holds_until:
            self.holds_until = until
        return decided


def entry_view(
    entry: dict,
    now: datetime,
    rules: ComplianceRules = DEFAULT_RULES,
    decisions: Decisions | None = None,
) -> dict:
    """A stored entry as an agent sees it at ``now``: contactable now, or why not and from when.

    ``decisions``: the answer's decisions at ``now`` (shared by its entries), or None for this one alone."""
    decision = (decisions or Decisions(now, rules)).decide(entry)
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
    decisions = Decisions(now, rules)
    return [entry_view(orjson.loads(raw), now, rules, decisions) for raw in stored if raw is not None]


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


class QueuePage(NamedTuple):
    entries: list[dict]  # the views, highest priority first
    total: int  # the queue's length
    holds_until: datetime  # until when the entries' decisions hold (`Decisions.holds_until`)


async def read_queue_page(
    client: aioredis.Redis,
    namespace: str,
    agent_id: str,
    now: datetime,
    limit: int = 50,
    offset: int = 0,
    rules: ComplianceRules = DEFAULT_RULES,
) -> QueuePage:
    """:func:`read_queue` and :func:`queue_length` together, on asyncio: the page, the queue's length and
    until when the page's decisions hold."""
    if limit <= 0:
        return QueuePage([], await client.zcard(queue_key(namespace, agent_id)), now + MAX_HOLD)
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
    decisions = Decisions(now, rules)
    views = [entry_view(entry, now, rules, decisions) for entry in orjson.loads(entries)]
    return QueuePage(views, total, decisions.holds_until)


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
