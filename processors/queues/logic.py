"""The queues processor's rules over its state store: each customer's place in their agents' queues.

Every input is keyed by ``cif`` and co-partitioned, so a customer's facts meet in one state (``q`` under the
cif's prefix). Any change recomputes the customer's entries: one per agent the customer is assigned to
(call and field agent), ranked by `domain.priority.priority` on the partition's business date. The result
is a list of changes: `Placement`s, the changes to the agents' queues (an entry to write, or a removal when
the customer has nothing overdue any more, lost their agent, or moved to another one), and
`ContactSnapshot`s (below).

Per cif, ``q`` holds only what an entry needs: ``agents`` {agent_type: [agent_id, campaign_id]},
``campaigns`` {campaign_id: name}, ``reach`` {campaign_id: the contact its rules chose first},
``delinquency`` (the latest `delinquency.customers` figures),
``broken`` {action_id: promise date} (the last ``KEEP_BROKEN_DAYS``), ``contacts`` (see
`processors.queues.contacts`), ``name``, ``timezone``, ``address`` (the one a field agent visits),
``placed`` {agent_id: digest of the entry written}, so an unchanged entry is not written again and a moved
one is removed from the old queue, and ``contacts_written`` (digest of the last `ContactSnapshot`).

Besides the queues, every customer with a contact history gets a `ContactSnapshot` whenever their
compliance inputs or zone change, queued or not: the API checks a new outbound call against it.

Partition state: ``__partition__`` ``date`` (the business date reached) and ``reranking`` (how far a
date's re-ranking has got, while it is worked off in parts: `on_tick`), ``__queued__``: the cifs with
an entry, in shards, so that a new business date re-ranks exactly those (DPD grows, follow-ups fall due,
the after-contact penalty fades), and ``__contacted__``: the cifs with a contact snapshot, in shards. The two
indexes are what `written_changes` rewrites when Redis lost the queues (`processors.queues.rebuild`).
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

import orjson

from domain.buckets import DEFAULT_BUCKETS, BucketConfig, bucket, dpd_on
from domain.dates import add_days
from domain.errors import DomainError
from domain.money import amount_text
from domain.priority import DEFAULT_WEIGHTS, PriorityWeights, priority
from processors.common.date_index import StateOf
from processors.queues import contacts
from processors.queues.contacts import DEFAULT_CODES, ContactCodes

PARTITION, QUEUED, CONTACTED = "__partition__", "__queued__", "__contacted__"
FIELD = "FIELD"  # the agent type whose entries carry the customer's address (`AgentType.FIELD`)
QUEUED_SHARDS = 1024  # ~1,000 cifs a shard at a million queued customers per partition
# A broken promise stops raising priority this long after its date: an old lapse says little about today.
KEEP_BROKEN_DAYS = 180


@dataclass(frozen=True, slots=True)
class QueueConfig:
    weights: PriorityWeights = DEFAULT_WEIGHTS
    codes: ContactCodes = DEFAULT_CODES
    buckets: BucketConfig = DEFAULT_BUCKETS


DEFAULT_CONFIG = QueueConfig()


class Placement(NamedTuple):
    """A change to agent ``agent_id``'s queue: ``cif`` at ``score`` with ``entry`` (JSON), or removed."""

    agent_id: str
    cif: str
    score: float | None  # None: remove
    entry: bytes | None


class ContactSnapshot(NamedTuple):
    """A customer's compliance inputs and zone (JSON), for checks outside the queues (the API's)."""

    cif: str
    latest_at: float  # epoch seconds of the customer's latest action
    snapshot: bytes


Change = Placement | ContactSnapshot


# ---- inputs: each updates the customer's state, then re-ranks them ----


def on_assignment(state_of: StateOf, record: dict, config: QueueConfig = DEFAULT_CONFIG) -> list[Change]:
    """`assignments`: the customer's agent of one type (``agent_id`` None: none any more)."""

    def change(q: dict) -> None:
        agents = dict(q.get("agents", {}))
        if record["agent_id"] is None:
            agents.pop(record["agent_type"], None)
        else:
            agents[record["agent_type"]] = [record["agent_id"], record.get("campaign_id")]
        q["agents"] = agents

    return _update(state_of, record["cif"], change, config)


def on_strategy(state_of: StateOf, record: dict, config: QueueConfig = DEFAULT_CONFIG) -> list[Change]:
    """`strategy.assignments`: the names of the customer's campaigns and the contact each chose first."""

    def change(q: dict) -> None:
        q["campaigns"] = {c["campaign_id"]: c["campaign_name"] for c in record["campaigns"]}
        reach = {
            c["campaign_id"]: first_contact(c["contacts"]) for c in record["campaigns"] if c.get("contacts")
        }
        if reach:
            q["reach"] = reach
        else:
            q.pop("reach", None)

    return _update(state_of, record["cif"], change, config)


def first_contact(chosen: list[dict]) -> dict:
    """What the queue shows of the contact a campaign's rules chose first (a `SelectedContactOut`): what to
    dial or write to, and whose it is when a reference's; shaped as `contracts.api.QueueContact` writes."""
    contact = chosen[0]
    return {
        "channel": contact["channel"],
        "value": contact["value"],
        "type": contact["type"],
        "name": contact.get("name"),  # a reference person's
        "relationship": contact.get("relationship"),
    }


def on_delinquency(state_of: StateOf, record: dict, config: QueueConfig = DEFAULT_CONFIG) -> list[Change]:
    """`delinquency.customers`: DPD and overdue; nothing overdue takes the customer out of every queue."""

    def change(q: dict) -> None:
        if record["max_dpd"] < 0:  # refused here, before it is stored: a tick must never trip over it
            raise DomainError(f"max_dpd cannot be negative ({record['max_dpd']})")
        amount, currency = queued_overdue(record)
        q["delinquency"] = {
            "date": str(record["business_date"]),
            "max_dpd": record["max_dpd"],
            "overdue": str(amount),
            "currency": currency,
        }
        others = overdue_in_other_currencies(record, currency)
        if others:
            q["delinquency"]["also"] = others

    return _update(state_of, record["cif"], change, config)


def on_promise(state_of: StateOf, record: dict, config: QueueConfig = DEFAULT_CONFIG) -> list[Change]:
    """`promises`: a promise's status; the BROKEN ones of the last ``KEEP_BROKEN_DAYS`` raise priority."""

    def change(q: dict) -> None:
        broken = dict(q.get("broken", {}))
        if record["status"] == "BROKEN":
            broken[record["action_id"]] = str(record["date"])
        else:
            broken.pop(record["action_id"], None)  # a late payment or a reversal can change it again
        q["broken"] = broken

    return _update(state_of, record["cif"], change, config)


def on_action(state_of: StateOf, action: dict, config: QueueConfig = DEFAULT_CONFIG) -> list[Change]:
    """`agent.actions` (validated): contact history for compliance, the last contact, a follow-up date;
    a new `ContactSnapshot` when the compliance inputs changed."""

    def change(q: dict) -> None:
        q["contacts"] = contacts.with_action(q.get("contacts", {}), action, config.codes)

    return _update(state_of, action["cif"], change, config, snapshot=True)


def on_customer(state_of: StateOf, record: dict, config: QueueConfig = DEFAULT_CONFIG) -> list[Change]:
    """`bank.customers` (validated): the name shown, the address a field agent visits (``address``: one
    line, `CustomerRecord.visiting_address`) and the zone of the calling hours (a new `ContactSnapshot`
    when the zone of a customer with a contact history changed)."""

    def change(q: dict) -> None:
        q["name"] = record.get("company_name") or record["name"]
        q["timezone"] = record.get("timezone")
        if record.get("address"):
            q["address"] = record["address"]
        else:
            q.pop("address", None)  # absent, not null: states written before it read the same

    return _update(state_of, record["cif"], change, config, snapshot=True)


def on_business_date(state_of: StateOf, new_date: date, config: QueueConfig = DEFAULT_CONFIG) -> list[Change]:
    """A new business date re-ranks every queued customer of the partition; an old one changes nothing."""
    changes, _done = on_tick(state_of, new_date, config)
    return changes


def on_tick(
    state_of: StateOf,
    tick_date: date,
    config: QueueConfig = DEFAULT_CONFIG,
    limit: int | None = None,
    continuing: bool = False,
) -> tuple[list[Change], bool]:
    """Re-rank the partition's queued customers for a new business date, about ``limit`` at a time (whole
    shards of the ``__queued__`` index, in shard order); and whether all are done. While not, the caller
    sends a continuation (``continuing``, for the same date), and the next call goes on from ``reranking``
    (the date and the next shard) in the partition state.

    The partition's date moves at once, so a customer changed meanwhile is ranked for the new date. A newer
    date arriving mid-way starts over from the first shard, and the older date's continuation, arriving
    after, changes nothing; so does a spare one."""
    partition = state_of(PARTITION)
    day = tick_date.isoformat()
    if continuing:
        progress = partition.get("reranking")
        if progress is None or progress["date"] != day:
            return [], True
        shard = progress["shard"]
    else:
        current = partition.get("date")
        if current is not None and day <= current:
            return [], True
        partition.set("date", day)
        shard = 0
    shards, changes, ranked = state_of(QUEUED), [], 0
    while shard < QUEUED_SHARDS and (limit is None or ranked < limit):
        cifs = shards.get(str(shard), [])
        for cif in cifs:
            changes.extend(_update(state_of, cif, _unchanged, config, tick_date))
        ranked += len(cifs)
        shard += 1
    done = shard == QUEUED_SHARDS
    if done:
        partition.delete("reranking")
    else:
        partition.set("reranking", {"date": day, "shard": shard})
    return changes, done


def _unchanged(_q: dict) -> None:
    pass


# ---- ranking ----


def _digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=8).hexdigest()


def _update(
    state_of: StateOf,
    cif: str,
    change,
    config: QueueConfig,
    today: date | None = None,
    snapshot: bool = False,
) -> list[Change]:
    """Apply ``change`` to the customer's state and return what changed in the queues (and, with
    ``snapshot``, in their contact snapshot: only actions and customer records can change it)."""
    own = state_of(cif)
    q = dict(own.get("q", {}))
    change(q)
    wanted = entries(cif, q, _business_date(state_of, q, today), config)
    placed = q.get("placed", {})
    changes: list[Change] = [
        Placement(agent, cif, None, None) for agent in sorted(placed) if agent not in wanted
    ]
    digests = {}
    for agent, (score, entry) in sorted(wanted.items()):
        digests[agent] = _digest(entry)
        if placed.get(agent) != digests[agent]:
            changes.append(Placement(agent, cif, score, entry))
    q["placed"] = digests
    if bool(placed) != bool(digests):
        _set_member(state_of, QUEUED, cif, bool(digests))
    if snapshot and q.get("contacts"):
        written = contact_snapshot(cif, q)
        if q.get("contacts_written") != _digest(written.snapshot):
            if q.get("contacts_written") is None:  # the first snapshot: a history never goes away
                _set_member(state_of, CONTACTED, cif, True)
            q["contacts_written"] = _digest(written.snapshot)
            changes.append(written)
    own.set("q", q)
    return changes


def contact_snapshot(cif: str, q: dict) -> ContactSnapshot:
    """What the API needs to check a call: the entries' compliance inputs, the zone, the latest action."""
    history = q["contacts"]
    latest = history["last"]["at"]
    inputs = {
        "cif": cif,
        "timezone": q.get("timezone"),
        "latest_action_at": latest,
        **contacts.compliance_inputs(history),
    }
    snapshot = orjson.dumps(inputs, option=orjson.OPT_SORT_KEYS)
    return ContactSnapshot(cif, datetime.fromisoformat(latest).timestamp(), snapshot)


def _business_date(state_of: StateOf, q: dict, today: date | None) -> date | None:
    """The partition's business date, or the customer's figures' own when that is later (or all there is)."""
    partition_date = today.isoformat() if today else state_of(PARTITION).get("date")
    days = [d for d in (partition_date, q.get("delinquency", {}).get("date")) if d]
    return date.fromisoformat(max(days)) if days else None


def entries(cif: str, q: dict, as_of: date | None, config: QueueConfig) -> dict[str, tuple[float, bytes]]:
    """The customer's entry per agent, ``{agent_id: (score, JSON)}``; empty when not to be queued."""
    figures, agents = q.get("delinquency"), q.get("agents", {})
    if figures is None or not agents or as_of is None:
        return {}
    max_dpd = figures["max_dpd"]
    dpd = dpd_on(max_dpd, date.fromisoformat(figures["date"]), as_of)  # DPD grows daily without an event
    history = q.get("contacts", {})
    follow_up = contacts.follow_up_due_date(history)
    horizon = add_days(as_of, -KEEP_BROKEN_DAYS).isoformat()
    broken = sum(1 for day in q.get("broken", {}).values() if day >= horizon)
    rank = priority(
        dpd=dpd,
        overdue_amount=Decimal(figures["overdue"]),
        currency=figures["currency"] or "",
        business_date=as_of,
        broken_promises=broken,
        follow_up_date=follow_up,
        last_contact_date=contacts.last_contact_day(history),
        weights=config.weights,
        buckets=config.buckets,
    )
    if rank is None:
        return {}
    score = round(rank.score, 6)
    common = {
        "cif": cif,
        "name": q.get("name") or cif,
        "priority": score,
        "reason": _with_other_currencies(rank.reason, figures.get("also")),
        "dpd": dpd,
        "bucket": bucket(dpd, config.buckets),
        "overdue_amount": figures["overdue"],
        "currency": figures["currency"],
        "business_date": as_of.isoformat(),
        "broken_promises": broken,
        "follow_up_date": follow_up.isoformat() if follow_up else None,
        "timezone": q.get("timezone"),
        **contacts.compliance_inputs(history),
    }
    campaigns, reach = q.get("campaigns", {}), q.get("reach", {})
    result: dict[str, tuple[float, bytes]] = {}
    for agent_type, (agent_id, campaign_id) in sorted(agents.items()):
        if agent_id in result:
            continue  # the same agent as call and field agent: one entry
        campaign = campaigns.get(campaign_id, campaign_id) if campaign_id else None
        entry = {**common, "agent_id": agent_id, "agent_type": agent_type, "campaign": campaign}
        if campaign_id in reach:  # absent otherwise: entries written before it read the same
            entry["contact"] = reach[campaign_id]
        if agent_type == FIELD and "address" in q:  # where to go; a call agent's entry does without
            entry["address"] = q["address"]
        result[agent_id] = (score, orjson.dumps(entry, option=orjson.OPT_SORT_KEYS))
    return result


def queued_overdue(record: dict) -> tuple[Decimal, str | None]:
    """The overdue amount that ranks the customer: in the currency of their worst loan that is overdue.

    Amounts in different currencies cannot be added without rates; the worst loan's currency is the one
    the agent will talk about first (ties: the larger amount, then the currency code).
    """
    totals = {c: Decimal(str(a)) for c, a in record["overdue_total"].items() if Decimal(str(a)) > 0}
    if not totals:
        return Decimal(0), next(iter(sorted(record["overdue_total"])), None)
    worst: dict[str, int] = {}
    for account in record.get("accounts", []):
        if account["currency"] in totals:
            worst[account["currency"]] = max(worst.get(account["currency"], -1), account["dpd"])
    currency = max(totals, key=lambda c: (worst.get(c, -1), totals[c], c))
    return totals[currency], currency


def overdue_in_other_currencies(record: dict, ranked: str | None) -> dict[str, str]:
    """The customer's other overdue amounts, by currency: the entry ranks on one, the agent sees them all."""
    return {
        c: str(a) for c, a in sorted(record["overdue_total"].items()) if c != ranked and Decimal(str(a)) > 0
    }


def _with_other_currencies(reason: str, others: dict[str, str] | None) -> str:
    if not others:
        return reason
    amounts = ", ".join(f"{amount_text(Decimal(a), c)} {c}" for c, a in others.items())
    return f"{reason}; also overdue: {amounts}"


# ---- the partition's queued customers ----


def _shard(cif: str) -> str:
    return str(zlib.crc32(cif.encode()) % QUEUED_SHARDS)


def _set_member(state_of: StateOf, index: str, cif: str, member: bool) -> None:
    shards, shard = state_of(index), _shard(cif)
    members = [c for c in shards.get(shard, []) if c != cif]
    if member:
        members.append(cif)
    shards.set(shard, members) if members else shards.delete(shard)


def _members(state_of: StateOf, index: str) -> list[str]:
    shards = state_of(index)
    return [cif for shard in range(QUEUED_SHARDS) for cif in shards.get(str(shard), [])]


def queued_cifs(state_of: StateOf) -> list[str]:
    return _members(state_of, QUEUED)


# ---- what the partition has written, again ----


def written_changes(state_of: StateOf, config: QueueConfig = DEFAULT_CONFIG) -> Iterator[Change]:
    """Every queue entry and contact snapshot the partition's state says Redis holds, as last written
    (read only: the state is not changed). Customers whose history predates the ``__contacted__`` index
    get their snapshot back at their next action, or from a replay."""
    return written_part(state_of, rewritten_customers(state_of), config)


def rewritten_customers(state_of: StateOf) -> list[tuple[str, str]]:
    """Whose writes `written_changes` repeats, as ``(QUEUED, cif)`` for their queue entries and
    ``(CONTACTED, cif)`` for their contact snapshots: a list that `written_part` can take in parts."""
    return [(QUEUED, cif) for cif in queued_cifs(state_of)] + [
        (CONTACTED, cif) for cif in _members(state_of, CONTACTED)
    ]


def written_part(
    state_of: StateOf, customers: list[tuple[str, str]], config: QueueConfig = DEFAULT_CONFIG
) -> Iterator[Change]:
    """The queue entries and contact snapshots of ``customers`` (from `rewritten_customers`) as the state
    has them now: nothing for a customer no longer queued or contacted."""
    for index, cif in customers:
        q = state_of(cif).get("q", {})
        if index == QUEUED:
            wanted = entries(cif, q, _business_date(state_of, q, None), config)
            for agent, (score, entry) in sorted(wanted.items()):
                yield Placement(agent, cif, score, entry)
        elif q.get("contacts"):
            yield contact_snapshot(cif, q)
