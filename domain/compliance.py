"""Contact compliance for calls, after US Regulation F (12 CFR 1006.14 and 1006.6); other outbound contacts
(SMS, e-mail, visits) follow every rule but the two about call frequency (`may_contact`'s ``frequency``).

- never after the customer asked us to cease communication (about any of their debts);
- at most ``max_attempts`` (7) call attempts about a debt within ``attempt_window_days`` (7) consecutive days;
- no call within ``conversation_cooldown_days`` (7) consecutive days after a conversation about the debt,
  the conversation's day being the first (Reg F's own counting);
- only between 08:00 and 21:00 in the customer's local time (09:00 p.m. itself is already too late), or
  the calling hours a deployment sets (`calling_hours`, `CRM_CALLING_HOURS`);
- none while a dispute about the debt is open: a dispute is closed by a later resolution of the same debt
  (or of every debt), or lapses ``dispute_pause_days`` (30) local days after it was raised, the dispute's
  day being the first; None keeps it open until resolved. (Reg F/FDCPA pause collection until the debt is
  verified; the lapse is for dictionaries that have no resolution result.)

Days are the customer's local calendar days. The zone is a ``tzinfo`` (``ZoneInfo("America/Chicago")``,
resolved by the caller: the domain reads no files), the rules' default zone when the customer has none.
Events after ``now`` are ignored, so a decision can be recomputed for any moment of a replay.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from heapq import nlargest

from domain.dates import add_days
from domain.errors import DomainError, InvalidConfig


class ContactEventKind(StrEnum):
    CALL_ATTEMPT = "CALL_ATTEMPT"  # a call placed that did not reach the customer
    CONVERSATION = "CONVERSATION"  # a conversation with the customer (right-party contact)
    CEASE_COMMUNICATION = "CEASE_COMMUNICATION"  # the customer asked us to stop
    DISPUTE_OPENED = "DISPUTE_OPENED"  # the customer disputes the debt: no calls until it is closed
    DISPUTE_RESOLVED = "DISPUTE_RESOLVED"  # closes the disputes raised before it (same debt, or all)


class Rule(StrEnum):
    """Why a call is not allowed: stable codes, shown to agents and returned by the API."""

    CEASE_COMMUNICATION = "CEASE_COMMUNICATION"
    DISPUTE_OPEN = "DISPUTE_OPEN"
    ATTEMPT_LIMIT_7_IN_7 = "ATTEMPT_LIMIT_7_IN_7"
    CONVERSATION_COOLDOWN_7_DAYS = "CONVERSATION_COOLDOWN_7_DAYS"
    OUTSIDE_CALLING_HOURS = "OUTSIDE_CALLING_HOURS"


@dataclass(frozen=True, slots=True)
class ContactEvent:
    at: datetime  # aware
    kind: ContactEventKind
    debt: str | None = None  # the account number it was about; None: every debt of the customer
    outbound: bool = True  # a call the customer made starts the cool-down but is not our attempt


END_OF_DAY = time.max  # calling hours written to end at "24:00": midnight, the last instant of the day


def _clock(text: str, *, ending: bool) -> time:
    text = text.strip()
    if ending and text == "24:00":
        return END_OF_DAY
    hours, colon, minutes = text.partition(":")
    if not (colon and hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and len(hours) <= 2):
        raise ValueError(text)
    return time(int(hours), int(minutes))  # ValueError when out of range


def calling_hours(text: str) -> tuple[time, time]:
    """Local calling hours written ``HH:MM-HH:MM`` (the end excluded; ``24:00`` for midnight) as times."""
    start, dash, end = text.partition("-")
    try:
        if not dash:
            raise ValueError(text)
        hours = _clock(start, ending=False), _clock(end, ending=True)
    except ValueError:
        raise InvalidConfig(
            f"calling hours {text!r}: write them HH:MM-HH:MM, e.g. 08:00-21:00 (24:00 for midnight)"
        ) from None
    if not hours[0] < hours[1]:
        raise InvalidConfig(f"calling hours {text!r} must start before they end, within one day")
    return hours


def clock_text(moment: time) -> str:
    """A calling-hours bound as written: "08:00", "24:00"."""
    return "24:00" if moment == END_OF_DAY else f"{moment:%H:%M}"


def hours_text(start: time, end: time) -> str:
    """Calling hours as messages name them: "08:00 to 21:00"."""
    return f"{clock_text(start)} to {clock_text(end)}"


@dataclass(frozen=True, slots=True)
class ComplianceRules:
    max_attempts: int = 7
    attempt_window_days: int = 7
    conversation_cooldown_days: int = 7
    calling_hours_start: time = time(8)
    calling_hours_end: time = time(21)  # exclusive
    default_timezone: tzinfo = UTC  # for customers without a zone; deployments set the bank's own
    dispute_pause_days: int | None = 30  # None: a dispute pauses calls until a resolution closes it

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.attempt_window_days < 1 or self.conversation_cooldown_days < 0:
            raise InvalidConfig("max_attempts and attempt_window_days must be >= 1, the cool-down >= 0")
        if self.dispute_pause_days is not None and self.dispute_pause_days < 1:
            raise InvalidConfig("dispute_pause_days must be >= 1, or None to pause until resolved")
        if self.calling_hours_start.tzinfo or self.calling_hours_end.tzinfo:
            raise InvalidConfig("calling hours are local clock times, without a zone")
        if not self.calling_hours_start < self.calling_hours_end:
            raise InvalidConfig("calling hours must start before they end, within one day")

    @property
    def calling_hours_text(self) -> str:
        """ "08:00 to 21:00", as messages name them."""
        return hours_text(self.calling_hours_start, self.calling_hours_end)


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    blocked_by: Rule | None = None  # the first rule that blocks, in Rule's order
    # When every rule allows (now if allowed). None: not foreseeable, after a cease-communication request
    # (never) or while a dispute without a lapse is open (when it is resolved).
    contactable_from: datetime | None = None


def _aware(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise DomainError(f"{what} must be a timezone-aware datetime, not {moment!r}")
    return moment


def may_contact(
    history: Iterable[ContactEvent],
    now: datetime,
    timezone: tzinfo | None = None,
    rules: ComplianceRules = ComplianceRules(),
    debt: str | None = None,
    *,
    frequency: bool = True,
) -> Decision:
    """Whether the customer may be called at ``now`` about ``debt`` (None: about any, so counting every
    attempt and conversation of the customer), and if not, why and from when.

    ``frequency=False`` leaves out the two rules that are about telephone calls alone (the attempt limit
    and the cool-down after a conversation): for another outbound contact (an SMS, an e-mail, a visit),
    which a cease-communication request, an open dispute and the calling hours still govern."""
    zone = timezone or rules.default_timezone
    local = _aware(now, "now").astimezone(zone)
    today = local.date()
    attempt_days: list[date] = []
    last_conversation: date | None = None
    disputes: list[ContactEvent] = []
    resolutions: list[ContactEvent] = []
    for event in history:
        if _aware(event.at, "a contact event's time") > now:
            continue
        if event.kind is ContactEventKind.CEASE_COMMUNICATION:
            return Decision(False, Rule.CEASE_COMMUNICATION, None)
        if debt is not None and event.debt is not None and event.debt != debt:
            continue
        if event.kind is ContactEventKind.DISPUTE_OPENED:
            disputes.append(event)
            continue
        if event.kind is ContactEventKind.DISPUTE_RESOLVED:
            resolutions.append(event)
            continue
        if not frequency:
            continue
        day = event.at.astimezone(zone).date()
        if event.outbound:
            attempt_days.append(day)  # a conversation we called for was an attempt too
        if event.kind is ContactEventKind.CONVERSATION and (
            last_conversation is None or day > last_conversation
        ):
            last_conversation = day

    blocked_by, first_day = None, today
    for dispute in disputes:
        if any(r.at >= dispute.at and (r.debt is None or r.debt == dispute.debt) for r in resolutions):
            continue  # resolved
        if rules.dispute_pause_days is None:
            return Decision(False, Rule.DISPUTE_OPEN, None)
        free = add_days(dispute.at.astimezone(zone).date(), rules.dispute_pause_days)
        if free > today:
            blocked_by, first_day = Rule.DISPUTE_OPEN, max(first_day, free)
    if len(attempt_days) >= rules.max_attempts:
        # The window starting the day after the max_attempts-th latest attempt holds one attempt fewer.
        free = add_days(nlargest(rules.max_attempts, attempt_days)[-1], rules.attempt_window_days)
        if free > today:
            blocked_by, first_day = blocked_by or Rule.ATTEMPT_LIMIT_7_IN_7, max(first_day, free)
    if last_conversation is not None:
        free = add_days(last_conversation, rules.conversation_cooldown_days)
        if free > today:
            blocked_by, first_day = blocked_by or Rule.CONVERSATION_COOLDOWN_7_DAYS, max(first_day, free)

    start, end = rules.calling_hours_start, rules.calling_hours_end
    if first_day == today:
        clock = local.time()
        if start <= clock < end:
            return Decision(True, None, now)
        blocked_by = Rule.OUTSIDE_CALLING_HOURS
        if clock >= end:
            first_day = add_days(today, 1)
    return Decision(False, blocked_by, datetime.combine(first_day, start, tzinfo=zone))


def decision_holds_until(
    history: Iterable[ContactEvent],
    now: datetime,
    timezone: tzinfo | None = None,
    rules: ComplianceRules = ComplianceRules(),
) -> datetime:
    """The moment until which :func:`may_contact`'s decision at ``now`` (about any debt) stays the same, as
    long as ``history`` gains no event: a decision depends on time only through the customer's local date,
    the side of the calling hours the local clock is on, and which events are already past. So the next
    calling-hours boundary or local midnight, or an event dated after ``now``, whichever comes first.

    Callers keep a decision until then (the API's queue pages); a boundary that a change of UTC offset
    makes ambiguous resolves to its earlier instant, so a kept decision never outlives a real change."""
    zone = timezone or rules.default_timezone
    local = _aware(now, "now").astimezone(zone)
    clock, today = local.time(), local.date()
    if clock < rules.calling_hours_start:
        boundary = datetime.combine(today, rules.calling_hours_start, tzinfo=zone)
    elif clock < rules.calling_hours_end:
        boundary = datetime.combine(today, rules.calling_hours_end, tzinfo=zone)
    else:
        boundary = datetime.combine(today + timedelta(days=1), time(0), tzinfo=zone)
    for event in history:
        if _aware(event.at, "a contact event's time") > now and event.at < boundary:
            boundary = event.at
    return boundary
