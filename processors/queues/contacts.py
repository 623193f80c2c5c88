"""A customer's contact history, folded from `agent.actions` into what the compliance rules need.

Only a compact record is kept per customer (bounded, order-independent, idempotent by ``action_id``):

- ``attempts`` {action_id: time}: outbound calls (a call we placed, reached or not) of the last
  ``KEEP_ATTEMPT_DAYS`` before the customer's latest action, at most ``MAX_ATTEMPTS_KEPT``; older ones can no
  longer count toward a 7-day limit;
- ``conversation`` {at, outbound}: the latest call that reached the customer (right-party result);
- ``cease_at``: the first cease-communication request (it never expires);
- ``disputes`` {account or "*": {opened, resolved}}: the latest dispute and the latest resolution per debt;
- ``last`` {at, day}: the latest action of any kind (its day in the action's own offset), the "contact"
  that lowers priority for a few days and completes a due follow-up;
- ``follow_up`` {set_at, date}: the follow-up date of the latest action that set one.

Times are stored in UTC with a fixed width (``2026-03-02T15:00:00.000+00:00``) so they compare as text.
The history turns back into `domain.compliance.ContactEvent`s with :func:`contact_events`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from contracts.actions import CEASE_COMMUNICATION, RIGHT_PARTY_RESULTS
from domain.compliance import ContactEvent, ContactEventKind
from domain.disputes import (
    ALL_DEBTS,
    DISPUTE_CLOSING_RESULTS,
    DISPUTE_RESULTS,
    open_disputes,
    with_dispute,
)

KEEP_ATTEMPT_DAYS = 8  # the 7-day window plus a day for the customer's zone being behind UTC
MAX_ATTEMPTS_KEPT = 32  # far above any sane limit: a runaway client cannot grow the state


@dataclass(frozen=True, slots=True)
class ContactCodes:
    """Which action codes mean what for compliance (the dictionaries are configurable, so is this)."""

    call_types: frozenset[str] = frozenset({"CALL"})  # Reg F's frequency rules are about telephone calls
    inbound_subtypes: frozenset[str] = frozenset({"INBOUND"})  # the customer called: no attempt of ours
    # Letters are how the notices a cease request still allows are sent (Reg F 1006.6(c)(2)), and the time
    # one is recorded at is not when it reaches the customer: no contact rule applies to them.
    letter_types: frozenset[str] = frozenset({"LETTER"})
    right_party_results: frozenset[str] = RIGHT_PARTY_RESULTS
    cease_results: frozenset[str] = frozenset({CEASE_COMMUNICATION})
    dispute_results: frozenset[str] = DISPUTE_RESULTS
    dispute_closing_results: frozenset[str] = DISPUTE_CLOSING_RESULTS


DEFAULT_CODES = ContactCodes()


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def with_action(history: dict, action: dict, codes: ContactCodes = DEFAULT_CODES) -> dict:
    """The history after ``action`` (an `AgentAction` as a dict, ``at`` an aware datetime)."""
    at, result = utc_text(action["at"]), action["result"]
    new = dict(history)
    call = action["type"] in codes.call_types
    outbound = action["subtype"] not in codes.inbound_subtypes
    if call and outbound:
        new["attempts"] = {**history.get("attempts", {}), action["action_id"]: at}
    if call and result in codes.right_party_results:
        known = history.get("conversation")
        # Ties on the instant are broken by the values, so arrival order never decides.
        if known is None or (at, outbound) > (known["at"], known["outbound"]):
            new["conversation"] = {"at": at, "outbound": outbound}
    if result in codes.cease_results:
        known = history.get("cease_at")
        new["cease_at"] = at if known is None or at < known else known
    if result in codes.dispute_results or result in codes.dispute_closing_results:
        debt = action.get("account_number") or ALL_DEBTS
        opened = result in codes.dispute_results
        new["disputes"] = with_dispute(history.get("disputes", {}), debt, at, opened=opened)
    last = history.get("last")
    if last is None or at > last["at"]:
        new["last"] = {"at": at, "day": action["at"].date().isoformat()}
    if action.get("follow_up_date") is not None:
        known = history.get("follow_up")
        follow_up = {"set_at": at, "date": action["follow_up_date"].isoformat()}
        if known is None or (at, follow_up["date"]) > (known["set_at"], known["date"]):
            new["follow_up"] = follow_up
    if "attempts" in new:
        new["attempts"] = _recent(new["attempts"], new["last"]["at"])
    return new


def _recent(attempts: dict[str, str], newest: str) -> dict[str, str]:
    horizon = utc_text(datetime.fromisoformat(newest) - timedelta(days=KEEP_ATTEMPT_DAYS))
    kept = sorted((at, action_id) for action_id, at in attempts.items() if at >= horizon)
    return {action_id: at for at, action_id in kept[-MAX_ATTEMPTS_KEPT:]}


def last_contact_day(history: dict) -> date | None:
    last = history.get("last")
    return date.fromisoformat(last["day"]) if last else None


def follow_up_due_date(history: dict) -> date | None:
    """The open follow-up date: an action made on or after it (and after it was set) completes it."""
    follow_up = history.get("follow_up")
    if follow_up is None:
        return None
    due, last = date.fromisoformat(follow_up["date"]), history["last"]
    if last["at"] > follow_up["set_at"] and date.fromisoformat(last["day"]) >= due:
        return None
    return due


def compliance_inputs(history: dict) -> dict:
    """What a queue entry carries so that contactability can be decided when it is read."""
    return {
        "attempts": sorted(history.get("attempts", {}).values()),
        "last_conversation": history.get("conversation"),
        "cease": history.get("cease_at") is not None,
        "cease_at": history.get("cease_at"),
        "dispute_open": bool(open_disputes(history.get("disputes", {}))),
        "disputes": [
            {"debt": debt, "opened_at": stored["opened"], "resolved_at": stored["resolved"]}
            for debt, stored in sorted(history.get("disputes", {}).items())
        ],
    }


def contact_events(inputs: dict) -> Iterator[ContactEvent]:
    """The compliance history behind an entry's ``compliance_inputs``, about any of the customer's debts.

    Every outbound call is an attempt; the latest conversation is passed as inbound so that, when we
    placed it, it is not counted twice (it is among the attempts already).
    """
    for at in inputs.get("attempts", []):
        yield ContactEvent(datetime.fromisoformat(at), ContactEventKind.CALL_ATTEMPT)
    conversation = inputs.get("last_conversation")
    if conversation:
        at = datetime.fromisoformat(conversation["at"])
        yield ContactEvent(at, ContactEventKind.CONVERSATION, outbound=False)
    if inputs.get("cease_at"):
        yield ContactEvent(datetime.fromisoformat(inputs["cease_at"]), ContactEventKind.CEASE_COMMUNICATION)
    for dispute in inputs.get("disputes", []):
        debt = None if dispute["debt"] == ALL_DEBTS else dispute["debt"]
        for field, kind in (
            ("opened_at", ContactEventKind.DISPUTE_OPENED),
            ("resolved_at", ContactEventKind.DISPUTE_RESOLVED),
        ):
            if dispute[field]:
                yield ContactEvent(datetime.fromisoformat(dispute[field]), kind, debt, outbound=False)
