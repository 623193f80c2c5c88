"""The promises processor's rules over its state store: promises to pay made, kept or broken.

Everything is keyed by customer (``cif``): agents' actions arrive keyed by cif, and the delinquency
processor re-keys payments by their loan's customer onto ``delinquency.payments``. A promise is evaluated
with `domain.promises.promise_status` whenever one of its customer's payments or promises arrives, and on
the business date on which its grace period ends (the customer is filed under that date).

State layout (one store per partition):
- per cif: ``promises`` {action_id: promise and its last emitted status}, ``payments`` {reference:
  [account, paid_on, amount]}, ``reversed`` [references undone by a reversal], ``filed`` (index slot);
- ``__partition__``: ``date``, the business date this partition has reached;
- ``__due__``: the date index (`processors.common.date_index`) of customers with a promise to break.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.dates import add_days
from domain.errors import DomainError
from domain.promises import CountedPayment, Promise, PromiseConfig, PromiseStatus, judged_on, promise_status
from processors.common.date_index import StateOf, file_under, members

PROMISES = "promises"
PARTITION, DUE = "__partition__", "__due__"
# Payments older than this before the newest date seen are forgotten: a promise counts payments from the
# day it was made, and one made this long ago has long been kept or broken.
KEEP_PAYMENTS_DAYS = 180
# How far past the business date a payment's own date may move the clock that breaks promises and forgets
# old payments. A bank publishes its date at the end of the day and skips weekends and holidays, so today's
# payments are often dated after it; a payment dated further ahead is a mistake (a typo in the year), and
# as that clock it broke every pending promise of its customer at once and forgot their payments. Payments
# still count toward a promise by their own dates, whenever they arrive (so the order of arrival never
# changes what a promise was paid).
PAYMENT_LEAD_DAYS = 7

Output = tuple[str, str, dict]


class ImpossiblePromise(DomainError):
    """A promise that cannot be kept by its nature (due before it was made)."""


def on_action(state_of: StateOf, action: dict, config: PromiseConfig) -> list[Output]:
    """An agent's action (already validated against its contract); only promises change anything here."""
    promise = action.get("promise")
    if promise is None:
        return []
    made_on = action["at"].date()
    due = promise["date"]
    if due < made_on:
        raise ImpossiblePromise(f"promise {action['action_id']} is due {due}, before it was made ({made_on})")
    own = state_of(action["cif"])
    promises = own.get("promises", {})
    if action["action_id"] in promises:
        return []  # the same action again
    promises = {
        **promises,
        action["action_id"]: {
            "account_number": action.get("account_number"),
            "agent_id": action.get("agent_id"),
            "made_on": made_on.isoformat(),
            "date": due.isoformat(),
            "amount": str(promise["amount"]),
            "status": None,  # not emitted yet
            "paid": None,
        },
    }
    own.set("promises", promises)
    return _evaluate(state_of, action["cif"], config)


def on_payment_fact(state_of: StateOf, fact: dict, config: PromiseConfig) -> list[Output]:
    """A completed payment or a reversal of one of the customer's loans (from ``delinquency.payments``)."""
    cif, own = fact["cif"], state_of(fact["cif"])
    if fact.get("reverses"):
        undone = own.get("reversed", [])
        if fact["reverses"] in undone:
            return []
        own.set("reversed", sorted([*undone, fact["reverses"]]))
    else:
        payments = own.get("payments", {})
        if fact["reference_number"] in payments:
            return []
        horizon = add_days(_dates_seen(state_of, fact["paid_on"])[1], -KEEP_PAYMENTS_DAYS).isoformat()
        kept = {ref: p for ref, p in payments.items() if p[1] >= horizon}
        kept[fact["reference_number"]] = [fact["account_number"], fact["paid_on"], fact["amount"]]
        own.set("payments", kept)
    return _evaluate(state_of, cif, config)


def on_business_date(state_of: StateOf, new_date: date, config: PromiseConfig) -> list[Output]:
    """Break the promises whose grace period ended by ``new_date`` (customers filed under those dates)."""
    partition = state_of(PARTITION)
    current = partition.get("date")
    if current is not None and new_date <= date.fromisoformat(current):
        return []
    partition.set("date", new_date.isoformat())
    # The dates that have customers filed under them are listed in the partition state (the index itself
    # cannot be listed); those that have come are read and dropped, and customers re-file as they need.
    slots = partition.get("slots", [])
    come = [slot for slot in slots if slot <= new_date.isoformat()]
    due = {cif for slot in come for cif in members(state_of, DUE, slot)}
    partition.set("slots", [slot for slot in slots if slot > new_date.isoformat()])
    outputs: list[Output] = []
    for cif in sorted(due):
        outputs.extend(_evaluate(state_of, cif, config))
    return outputs


def _dates_seen(state_of: StateOf, *payment_days: str | None) -> tuple[date, date]:
    """(the newest date seen: the partition's business date, or a payment dated later than it; the clock:
    that date, but at most `PAYMENT_LEAD_DAYS` after the business date when there is one)."""
    business = state_of(PARTITION).get("date")
    days = [d for d in (business, *payment_days) if d]
    seen = max(date.fromisoformat(d) for d in days) if days else date.min
    if business is None:
        return seen, seen
    return seen, min(seen, add_days(date.fromisoformat(business), PAYMENT_LEAD_DAYS))


def _evaluate(state_of: StateOf, cif: str, config: PromiseConfig) -> list[Output]:
    """Re-judge every promise of ``cif``; emit those whose status or paid amount changed; re-file it."""
    own = state_of(cif)
    promises = own.get("promises", {})
    if not promises:
        return []
    payments = own.get("payments", {})
    undone = set(own.get("reversed", []))
    counted = [
        CountedPayment(account, date.fromisoformat(paid_on), Decimal(amount), ref in undone)
        for ref, (account, paid_on, amount) in sorted(payments.items())
    ]
    newest_payment = max((p[1] for p in payments.values()), default=None)
    seen, as_of = _dates_seen(state_of, newest_payment)
    outputs: list[Output] = []
    changed = dict(promises)
    next_look: str | None = None
    for action_id, stored in sorted(promises.items()):
        promise = Promise(
            action_id,
            cif,
            stored["account_number"],
            date.fromisoformat(stored["made_on"]),
            date.fromisoformat(stored["date"]),
            Decimal(stored["amount"]),
        )
        # payments count by their own dates; breaking goes by the capped clock (`PAYMENT_LEAD_DAYS`)
        status, paid = promise_status(
            promise,
            counted,
            max(as_of, promise.promised_on),
            config,
            payments_through=max(seen, promise.promised_on),
        )
        if status is PromiseStatus.PENDING:
            breaks_on = add_days(promise.due, config.grace_days + 1).isoformat()
            next_look = breaks_on if next_look is None else min(next_look, breaks_on)
        if (status.value, str(paid)) != (stored["status"], stored["paid"]):
            changed[action_id] = {**stored, "status": status.value, "paid": str(paid)}
            settled = judged_on(promise, status, counted, config)
            record = _record(cif, action_id, changed[action_id], as_of, settled)
            outputs.append((PROMISES, cif, record))
    if outputs:
        own.set("promises", changed)
    _file(state_of, cif, next_look)
    return outputs


def _file(state_of: StateOf, cif: str, where: str | None) -> None:
    file_under(state_of, DUE, cif, where)
    if where is not None:
        partition = state_of(PARTITION)
        slots = partition.get("slots", [])
        if where not in slots:
            partition.set("slots", sorted([*slots, where]))


def _record(cif: str, action_id: str, stored: dict, as_of: date, settled: date | None) -> dict:
    return {
        "action_id": action_id,
        "cif": cif,
        "account_number": stored["account_number"],
        "agent_id": stored["agent_id"],
        "made_on": stored["made_on"],
        "date": stored["date"],
        "amount": stored["amount"],
        "status": stored["status"],
        "paid": stored["paid"],
        "evaluated_on": as_of.isoformat() if as_of != date.min else stored["made_on"],
        "settled_on": settled.isoformat() if settled else None,
    }
