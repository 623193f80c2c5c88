"""Disputes about a customer's debts, folded from agents' actions into a compact, order-independent record.

Per debt (the action's loan, or ``"*"`` for all of them) only the latest dispute and the latest resolution
are kept, as UTC times of one fixed width (so that they compare as text): a dispute is open until a
resolution at or after it of the same debt or of all of them (the rule of `domain.compliance`). The queues
keep it to decide contactability, the strategy processor for ``customer.dispute_open``.
"""

from __future__ import annotations

from datetime import date, datetime

from domain.compliance import ComplianceRules
from domain.dates import add_days, fixed_utc

ALL_DEBTS = "*"
DISPUTE_RESULTS = frozenset({"DISPUTE"})  # the customer disputes the debt
# Close the open dispute of the action's debt (or every dispute when the action names no loan).
DISPUTE_CLOSING_RESULTS = frozenset({"DISPUTE_RESOLVED", "DISPUTE_VERIFIED"})
PAUSE_DAYS = ComplianceRules().dispute_pause_days  # how long the contact rules pause for a dispute


def _later(a: str | None, b: str | None) -> str | None:
    return b if a is None or (b is not None and b > a) else a


def with_dispute(disputes: dict, debt: str, at: str, *, opened: bool) -> dict:
    """``disputes`` after a dispute (``opened``) or a resolution of ``debt`` at ``at`` (fixed-width UTC)."""
    field = "opened" if opened else "resolved"
    stored = dict(disputes.get(debt, {"opened": None, "resolved": None}))
    stored[field] = _later(stored[field], at)
    return {**disputes, debt: stored}


def with_dated_dispute(disputes: dict, debt: str, at: datetime, day: date, *, opened: bool) -> dict:
    """`with_dispute`, also keeping the ``day`` a dispute was raised (the action's day in its own offset:
    the day the agent and the customer lived it), from which its pause lapses (`paused_until`)."""
    updated = with_dispute(disputes, debt, fixed_utc(at), opened=opened)
    if opened and updated[debt]["opened"] != disputes.get(debt, {}).get("opened"):
        updated[debt]["day"] = day.isoformat()
    return updated


def open_disputes(disputes: dict) -> list[str]:
    """Debts with a dispute not (yet) resolved; a lapse with time is the compliance rules' business."""
    everything_resolved = disputes.get(ALL_DEBTS, {}).get("resolved")
    open_ = []
    for debt, stored in sorted(disputes.items()):
        if stored["opened"] is None:
            continue
        closed_by = (
            stored["resolved"] if debt == ALL_DEBTS else _later(stored["resolved"], everything_resolved)
        )
        if closed_by is None or closed_by < stored["opened"]:
            open_.append(debt)
    return open_


def paused_until(disputes: dict, pause_days: int | None = PAUSE_DAYS) -> date | None:
    """The first day on which no open dispute of ``disputes`` pauses contact any more, as `domain.compliance`
    lapses them: ``pause_days`` after the day each was raised (its ``day``, kept by the caller in the
    action's own offset; else its UTC day), never (`date.max`) when ``pause_days`` is None; None when no
    dispute is open."""
    until = None
    for debt in open_disputes(disputes):
        stored = disputes[debt]
        raised = date.fromisoformat(stored.get("day") or stored["opened"][:10])
        free = date.max if pause_days is None else add_days(raised, pause_days)
        until = free if until is None else max(until, free)
    return until
