"""The strategy processor's rules over its state store: which campaigns each customer is in, and why.

Everything is keyed by customer (``cif``). Any change of what strategies match on — the customer's
delinquency and loans (`delinquency.customers`), their record and contacts (`bank.customers`), their
promises (`promises`), a number reported wrong (`agent.actions`), the contacts agents added
(`crm.contacts`) or the case's statuses (`crm.cases`) — re-evaluates that customer under the current
compiled strategy (`domain.strategy.evaluate`). A re-evaluation request re-evaluates every customer of the
partition. A record is emitted when the campaigns, contacts, the strategy version or what allocation fits
an agent on (bucket, products, whether delinquent) change.

DPD grows a day a day between a loan's records, so the customer is judged with DPD (and bucket) grown to the
partition's business date, and is filed under the first date on which a grown DPD reaches a DPD where one of
the strategy's conditions turns (`domain.strategy.turning_dpds`); a business date re-evaluates the customers
filed under it or earlier (`on_tick`), so ``max_dpd >= 45`` holds from the 45th day, not from the loan's
next record.

State (one store per partition): per cif ``customer``, ``delinquency``, ``promises`` {action_id: status},
``flagged`` [numbers reported wrong and not reached since], ``contact_results`` {contact key: {``wrong``,
``reached``: the latest report and right-party contact (UTC), ``number`` as reported}}, ``cease_requested``
(true once an action with result CEASE_COMMUNICATION came, on any channel), ``disputes`` {debt: {``opened``,
``resolved``, ``day`` raised}} (`domain.disputes`; an open one is filed under the day it lapses like a
turning DPD), ``crm_contacts`` (the
phones and emails agents added, `crm.contacts`), ``case`` (the case's statuses, `crm.cases`), ``emitted``
(what was last sent); ``__members__``: every customer with a delinquency record (a `date_index` slot), for
re-evaluation; ``__turns__``: customers by the date their DPD next turns a condition (a `date_index`, each
customer's place under ``turn``); ``__partition__`` ``date`` (the business date reached), ``turn_dates`` (the
dates under which customers are filed, ascending) and ``reevaluating``: how far a re-evaluation worked off in
parts has got (`reevaluate_part`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from contracts.actions import CEASE_COMMUNICATION, RIGHT_PARTY_RESULTS, WRONG_NUMBER
from domain.contacts import contact_key, still_wrong
from domain.dates import fixed_utc
from domain.disputes import (
    ALL_DEBTS,
    DISPUTE_CLOSING_RESULTS,
    DISPUTE_RESULTS,
    paused_until,
    with_dated_dispute,
)
from domain.strategy import CompiledStrategy, CustomerFacts, evaluate, matches, next_turn
from processors.common.date_index import StateLike, StateOf, file_under, members
from processors.common.parts import next_part
from processors.strategy.facts import (
    customer_facts,
    stored_case,
    stored_crm_contacts,
    stored_customer,
    stored_delinquency,
)

ASSIGNMENTS = "strategy.assignments"
MEMBERS, EVERYONE = "__members__", "all"
TURNS, TURN = "__turns__", "turn"  # the index of turning dates, and where a customer remembers its place
PARTITION = "__partition__"
CONTINUED = "continued"  # marks a re-evaluation request this processor sent itself to go on

Output = tuple[str, str, dict]


@dataclass(frozen=True)
class LiveStrategy:
    """A strategy version as the processor uses it: compiled rules plus each campaign's allocation needs."""

    strategy_id: str
    version: int
    compiled: CompiledStrategy
    campaigns: dict[str, dict]  # campaign id → {team, agent_type, required_skills}


CurrentStrategy = Callable[[], LiveStrategy | None]


def on_customer(state_of: StateOf, customer: dict, strategy: CurrentStrategy) -> list[Output]:
    own = state_of(customer["cif"])
    known = own.get("customer")
    if known is not None and known["updated_at"] >= customer["updated_at"]:
        return []  # an older or the same snapshot
    own.set("customer", stored_customer(customer))
    return _evaluate(state_of, customer["cif"], strategy())


def on_delinquency(state_of: StateOf, record: dict, strategy: CurrentStrategy) -> list[Output]:
    cif, own = record["cif"], state_of(record["cif"])
    known = own.get("delinquency")
    if known is not None and known["revision"] >= record["revision"]:
        return []
    own.set("delinquency", stored_delinquency(record))
    file_under(state_of, MEMBERS, cif, EVERYONE)
    return _evaluate(state_of, cif, strategy())


def on_promise(state_of: StateOf, record: dict, strategy: CurrentStrategy) -> list[Output]:
    own = state_of(record["cif"])
    promises = own.get("promises", {})
    if promises.get(record["action_id"]) == record["status"]:
        return []
    own.set("promises", {**promises, record["action_id"]: record["status"]})
    return _evaluate(state_of, record["cif"], strategy())


def on_action(state_of: StateOf, action: dict, strategy: CurrentStrategy) -> list[Output]:
    """A number reported wrong is not selected any more, until a later call on it reaches the customer (a
    right-party result): then it was right after all. Later means by ``at``, whatever order the actions
    arrive in; a report and a reach at the same moment leave it flagged. A cease request, on any channel,
    holds for good (``customer.cease_requested``). Other actions are for the queues."""
    result = action.get("result")
    own = state_of(action["cif"])
    ceased = result == CEASE_COMMUNICATION and not own.get("cease_requested")
    if ceased:
        own.set("cease_requested", True)
    disputed = _disputes_changed(own, action, result)
    if _flags_changed(own, action, result) or ceased or disputed:
        return _evaluate(state_of, action["cif"], strategy())
    return []


def _disputes_changed(own: StateLike, action: dict, result: str | None) -> bool:
    """Whether the action raised or closed a dispute (``customer.dispute_open``, `domain.disputes`)."""
    if result not in DISPUTE_RESULTS and result not in DISPUTE_CLOSING_RESULTS:
        return False
    debt = action.get("account_number") or ALL_DEBTS
    known = own.get("disputes", {})
    at = datetime.fromisoformat(action["at"])
    updated = with_dated_dispute(known, debt, at, at.date(), opened=result in DISPUTE_RESULTS)
    if updated == known:
        return False  # a redelivery, or older than what is known
    own.set("disputes", updated)
    return True


def _flags_changed(own: StateLike, action: dict, result: str | None) -> bool:
    """Whether the action changed which of the customer's (``own`` state's) numbers are flagged as reported
    wrong."""
    number = (action.get("contact") or {}).get("number")
    key = contact_key(number) if number else ""
    if not key or (result != WRONG_NUMBER and result not in RIGHT_PARTY_RESULTS):
        return False
    flagged = own.get("flagged", [])
    # numbers flagged before the times were kept count as reported at the start of time ("")
    history = own.get("contact_results") or {contact_key(n): {"wrong": "", "number": n} for n in flagged}
    field = "wrong" if result == WRONG_NUMBER else "reached"
    at = fixed_utc(datetime.fromisoformat(action["at"]))
    known = history.get(key, {})
    if known.get(field) is not None and known[field] >= at:
        return False  # a redelivery, or older than what is known
    history = {**history, key: {**known, field: at, **({"number": number} if field == "wrong" else {})}}
    own.set("contact_results", history)
    now_flagged = sorted(
        entry["number"]
        for entry in history.values()
        if entry.get("wrong") is not None and still_wrong(entry["wrong"], entry.get("reached"))
    )
    if now_flagged == flagged:
        return False
    own.set("flagged", now_flagged)
    return True


def on_crm_contacts(state_of: StateOf, record: dict, strategy: CurrentStrategy) -> list[Output]:
    """The phones and emails agents added to the customer."""
    return _saved_in_the_crm(state_of, record["cif"], "crm_contacts", stored_crm_contacts(record), strategy)


def on_case(state_of: StateOf, record: dict, strategy: CurrentStrategy) -> list[Output]:
    """The customer's case statuses (`case.state`, `case.recovery_ability`)."""
    return _saved_in_the_crm(state_of, record["cif"], "case", stored_case(record), strategy)


def _saved_in_the_crm(
    state_of: StateOf, cif: str, name: str, stored: dict, strategy: CurrentStrategy
) -> list[Output]:
    """A save made through the API, kept under ``name``: a newer ``version`` replaces what is kept and
    re-evaluates the customer; an older or the same one changes nothing (a redelivery, a replay)."""
    own = state_of(cif)
    known = own.get(name)
    if known is not None and known["version"] >= stored["version"]:
        return []
    own.set(name, stored)
    return _evaluate(state_of, cif, strategy())


def on_reevaluate(state_of: StateOf, strategy: CurrentStrategy) -> list[Output]:
    """Re-evaluate every customer of the partition under the current strategy, at once."""
    outputs, _done = reevaluate_part(state_of, strategy, {})
    return outputs


def reevaluate_part(
    state_of: StateOf, strategy: CurrentStrategy, request: dict, limit: int | None = None
) -> tuple[list[Output], bool]:
    """Re-evaluate the partition's customers for a `strategy.reevaluate` request, at most ``limit`` of them
    (in cif order); and whether all are done. While not, the caller sends the request again marked
    ``continued``, and the next call goes on after the last cif done (``reevaluating`` in the partition
    state, with the request it serves).

    A new request starts over from the first customer; a continuation of any other request (superseded
    by a newer one mid-way, or spare) changes nothing."""
    partition = state_of(PARTITION)
    asked = [request.get("version"), request.get("requested_at")]
    cursor = None
    if request.get(CONTINUED):
        progress = partition.get("reevaluating")
        if progress is None or progress["request"] != asked:
            return [], True
        cursor = progress["cursor"]
    part, done = next_part(members(state_of, MEMBERS, EVERYONE), cursor, limit)
    live, today = strategy(), _today(state_of)
    outputs: list[Output] = []
    for cif in part:
        outputs.extend(_evaluate(state_of, cif, live, today))
    if done:
        partition.delete("reevaluating")
    else:
        partition.set("reevaluating", {"request": asked, "cursor": part[-1]})
    return outputs, done


def on_tick(
    state_of: StateOf,
    tick_date: date,
    strategy: CurrentStrategy,
    limit: int | None = None,
    continuing: bool = False,
) -> tuple[list[Output], bool]:
    """A new business date: re-evaluate the customers filed under it or an earlier date (their DPD has
    reached a turning one), at most about ``limit`` of them; and whether all are done. While not, the
    caller sends a continuation (``continuing``), which goes on with those still filed by the partition's
    date. The same date again, an older one, or a spare continuation changes nothing."""
    partition = state_of(PARTITION)
    today = partition.get("date")
    if not continuing:
        if today is not None and tick_date.isoformat() <= today:
            return [], True
        today = tick_date.isoformat()
        partition.set("date", today)
    live = strategy()
    if today is None or live is None:
        return [], True  # nothing filed without a strategy; filed ones wait for the next date
    outputs: list[Output] = []
    finished, evaluated, done = [], 0, True
    day = date.fromisoformat(today)
    for when in list(partition.get("turn_dates", [])):  # a copy: evaluations file customers into it
        if when > today:
            break
        for cif in members(state_of, TURNS, when):
            if limit is not None and evaluated >= limit:
                done = False
                break
            outputs.extend(_evaluate(state_of, cif, live, day))
            evaluated += 1
            if state_of(cif).get(TURN) == when:  # never again under a date that has come, whatever happened
                file_under(state_of, TURNS, cif, None, mark=TURN)
        if not done:
            break
        finished.append(when)
    if finished:  # re-read: the customers just evaluated filed themselves under later dates
        partition.set("turn_dates", [d for d in partition.get("turn_dates", []) if d not in finished])
    return outputs, done


def _today(state_of: StateOf) -> date | None:
    today = state_of(PARTITION).get("date")
    return date.fromisoformat(today) if today else None


def _watch(state_of: StateOf, cif: str, when: date | None) -> None:
    """File the customer under the date their DPD next turns a condition (None: never)."""
    where = when.isoformat() if when else None
    if file_under(state_of, TURNS, cif, where, mark=TURN) and where is not None:
        partition = state_of(PARTITION)
        dates = partition.get("turn_dates", [])
        if where not in dates:
            partition.set("turn_dates", sorted([*dates, where]))


def _grown_dpds(facts: CustomerFacts) -> list[int]:
    return [facts.delinquency.max_dpd, *(loan.dpd for loan in facts.loans)]


def _evaluate(
    state_of: StateOf, cif: str, live: LiveStrategy | None, today: date | None = None
) -> list[Output]:
    own = state_of(cif)
    delinquency = own.get("delinquency")
    if live is None or delinquency is None:
        return []  # no strategy published yet, or no loans known: nothing to match on
    customer, crm = own.get("customer"), own.get("crm_contacts")
    flagged = own.get("flagged", [])
    recorded = delinquency.get("business_date")
    today = today or _today(state_of)
    as_of = max(filter(None, (today, date.fromisoformat(recorded) if recorded else None)), default=None)
    promises = own.get("promises", {})
    # an open dispute pauses contact until a resolution or until it lapses (re-evaluated on that date)
    paused_until_day = paused_until(own.get("disputes", {}))
    disputed = paused_until_day is not None and (as_of is None or paused_until_day > as_of)
    facts = customer_facts(
        cif,
        customer,
        delinquency,
        promises,
        flagged,
        as_of,
        crm,
        own.get("case"),
        own.get("cease_requested"),
        disputed,
    )
    if as_of is not None:
        turn = next_turn(_grown_dpds(facts), as_of, live.compiled.turning_dpds)
        if disputed and paused_until_day != date.max:
            turn = paused_until_day if turn is None else min(turn, paused_until_day)
        _watch(state_of, cif, turn)
    products = sorted({loan.product_type for loan in facts.loans if loan.product_type})
    # Match only; reasons and contacts are worked out once we know the record is news. What contacts are
    # selected depends only on the campaigns, the customer record, the contacts agents added and the flagged
    # numbers; allocation fits agents on the bucket and products, and releases a customer no longer
    # delinquent. (The added contacts' version only when there are any: earlier signatures stay equal.)
    signature = [
        live.strategy_id,
        live.version,
        [list(found) for found in matches(live.compiled, facts)],
        (customer or {}).get("updated_at"),
        flagged,
        facts.delinquency.bucket,
        products,
        facts.delinquency.max_dpd > 0,
        *([crm["version"]] if crm else []),
    ]
    if own.get("emitted") == signature:
        return []
    own.set("emitted", signature)
    assignments = evaluate(live.compiled, facts)
    campaigns = [
        {
            "group_id": a.group_id,
            "campaign_id": a.campaign_id,
            "campaign_name": a.campaign_name,
            "reason": a.reason,
            "matched_loan": a.matched_loan,
            "contacts": [_contact(c) for c in a.contacts],
            **live.campaigns.get(a.campaign_id, {}),
        }
        for a in assignments
    ]
    record = {
        "cif": cif,
        "strategy_id": live.strategy_id,
        "strategy_version": live.version,
        "business_date": as_of.isoformat() if as_of else None,
        "campaigns": campaigns,
        "products": products,
        "bucket": facts.delinquency.bucket,
        "language": None,  # the bank's customer record carries none yet
        "delinquent": facts.delinquency.max_dpd > 0,
    }
    return [(ASSIGNMENTS, cif, record)]


def _contact(contact) -> dict:
    return {
        "channel": contact.channel.value,
        "value": contact.value,
        "type": contact.type,
        "source": contact.source.value,
        "rule": contact.rule,
        "is_primary": contact.is_primary,
        "is_verified": contact.is_verified,
        "ref_cif": contact.ref_cif,
        "relationship": contact.relationship,
        "name": contact.name,
    }
