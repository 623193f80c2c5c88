"""The strategy processor's rules over its state store: which campaigns each customer is in, and why.

Everything is keyed by customer (``cif``). Any change of what strategies match on — the customer's
delinquency and loans (`delinquency.customers`), their record and contacts (`bank.customers`), their
promises (`promises`) or a number reported wrong (`agent.actions`) — re-evaluates that customer under the
current compiled strategy (`domain.strategy.evaluate`). A re-evaluation request re-evaluates every customer
of the partition. A record is emitted when the campaigns, contacts or the strategy version change.

State (one store per partition): per cif ``customer``, ``delinquency``, ``promises`` {action_id: status},
``flagged`` [numbers], ``emitted`` (what was last sent); ``__members__``: every customer with a delinquency
record (a `date_index` slot), for re-evaluation; ``__partition__`` ``reevaluating``: how far a
re-evaluation worked off in parts has got (`reevaluate_part`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from domain.strategy import CompiledStrategy, evaluate, matches
from processors.common.date_index import StateOf, file_under, members
from processors.common.parts import next_part
from processors.strategy.facts import customer_facts, stored_customer, stored_delinquency

ASSIGNMENTS = "strategy.assignments"
MEMBERS, EVERYONE = "__members__", "all"
PARTITION = "__partition__"
CONTINUED = "continued"  # marks a re-evaluation request this processor sent itself to go on
WRONG_NUMBER = "WRONG_NUMBER"

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
    """Only a number reported wrong changes what strategies select; other actions are for the queues."""
    number = (action.get("contact") or {}).get("number")
    if action.get("result") != WRONG_NUMBER or not number:
        return []
    own = state_of(action["cif"])
    flagged = own.get("flagged", [])
    if number in flagged:
        return []
    own.set("flagged", sorted([*flagged, number]))
    return _evaluate(state_of, action["cif"], strategy())


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
    live = strategy()
    outputs: list[Output] = []
    for cif in part:
        outputs.extend(_evaluate(state_of, cif, live))
    if done:
        partition.delete("reevaluating")
    else:
        partition.set("reevaluating", {"request": asked, "cursor": part[-1]})
    return outputs, done


def _evaluate(state_of: StateOf, cif: str, live: LiveStrategy | None) -> list[Output]:
    own = state_of(cif)
    delinquency = own.get("delinquency")
    if live is None or delinquency is None:
        return []  # no strategy published yet, or no loans known: nothing to match on
    customer = own.get("customer")
    flagged = own.get("flagged", [])
    facts = customer_facts(cif, customer, delinquency, own.get("promises", {}), flagged)
    # Match only; reasons and contacts are worked out once we know the record is news. What contacts are
    # selected depends only on the campaigns, the customer record and the flagged numbers.
    signature = [
        live.strategy_id,
        live.version,
        [list(found) for found in matches(live.compiled, facts)],
        (customer or {}).get("updated_at"),
        flagged,
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
        "business_date": delinquency.get("business_date"),
        "campaigns": campaigns,
        "products": sorted({loan.product_type for loan in facts.loans if loan.product_type}),
        "bucket": delinquency["bucket"],
        "language": None,  # the bank's customer record carries none yet
        "delinquent": delinquency["max_dpd"] > 0,
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
