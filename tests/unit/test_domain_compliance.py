"""Contact compliance (domain/compliance.py): each Reg F rule, its boundaries, time zones, properties."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.compliance import (
    END_OF_DAY,
    ComplianceRules,
    ContactEvent,
    ContactEventKind,
    Decision,
    Rule,
    calling_hours,
    decision_holds_until,
    may_contact,
)
from domain.errors import DomainError, InvalidConfig

NY = ZoneInfo("America/New_York")
ATTEMPT, TALK, CEASE, DISPUTE, RESOLVED = (
    ContactEventKind.CALL_ATTEMPT,
    ContactEventKind.CONVERSATION,
    ContactEventKind.CEASE_COMMUNICATION,
    ContactEventKind.DISPUTE_OPENED,
    ContactEventKind.DISPUTE_RESOLVED,
)


def ny(day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=NY)  # March 2026: DST starts on the 8th


def attempt(at: datetime, debt: str | None = None) -> ContactEvent:
    return ContactEvent(at, ATTEMPT, debt)


def test_no_history_in_calling_hours_is_allowed_now():
    assert may_contact([], ny(2), NY) == Decision(True, None, ny(2))


@pytest.mark.parametrize(
    ("hour", "minute", "allowed", "opens"),
    [
        (7, 59, False, ny(2, 8)),
        (8, 0, True, ny(2, 8)),
        (20, 59, True, ny(2, 20, 59)),
        (21, 0, False, ny(3, 8)),
        (23, 30, False, ny(3, 8)),
        (0, 5, False, ny(2, 8)),
    ],
)
def test_calling_hours_are_local_08_00_to_21_00(hour, minute, allowed, opens):
    decision = may_contact([], ny(2, hour, minute), NY)
    assert decision.allowed is allowed and decision.contactable_from == opens
    assert decision.blocked_by is (None if allowed else Rule.OUTSIDE_CALLING_HOURS)


def test_the_customers_zone_decides_not_the_servers():
    noon_utc = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # 07:00 in New York, 17:30 in Kolkata
    assert not may_contact([], noon_utc, NY).allowed
    assert may_contact([], noon_utc, ZoneInfo("Asia/Kolkata")).allowed
    assert may_contact([], noon_utc).allowed  # no zone: the rules' default, UTC unless configured
    assert not may_contact([], noon_utc, rules=ComplianceRules(default_timezone=NY)).allowed


def test_cease_communication_blocks_forever():
    history = [ContactEvent(ny(1), CEASE, debt="LN1")]
    for later in (ny(1, 11), ny(25), ny(25) + timedelta(days=3650)):
        assert may_contact(history, later, NY, debt="LN2") == Decision(False, Rule.CEASE_COMMUNICATION, None)
    assert may_contact(history, ny(1, 9), NY).allowed  # a request not yet made does not count


def test_seven_attempts_in_seven_days_block_until_the_window_moves_on():
    history = [attempt(ny(day)) for day in range(2, 9)]  # one a day, 2nd to 8th
    assert may_contact(history[:6], ny(8, 9), NY).allowed  # the 7th attempt itself is fine
    decision = may_contact(history, ny(8, 11), NY)
    assert decision == Decision(False, Rule.ATTEMPT_LIMIT_7_IN_7, ny(9, 8))  # the 2nd leaves the window
    assert may_contact(history, ny(9, 8), NY).allowed


def test_seven_attempts_on_one_day_block_for_a_week():
    history = [attempt(ny(2, 9, minute)) for minute in range(7)]
    decision = may_contact(history, ny(2, 10), NY)
    assert (decision.blocked_by, decision.contactable_from) == (Rule.ATTEMPT_LIMIT_7_IN_7, ny(9, 8))
    assert not may_contact(history, ny(8, 20), NY).allowed
    assert may_contact(history, ny(9, 8), NY).allowed


def test_attempts_count_per_debt_when_asked():
    history = [attempt(ny(2, 9, m), "LN1") for m in range(7)]
    assert not may_contact(history, ny(3), NY, debt="LN1").allowed
    assert may_contact(history, ny(3), NY, debt="LN2").allowed
    assert not may_contact(history, ny(3), NY).allowed  # about any debt: every attempt counts
    customer_wide = [attempt(ny(2, 9, m)) for m in range(7)]  # no debt named: about all of them
    assert not may_contact(customer_wide, ny(3), NY, debt="LN2").allowed


def test_no_call_for_seven_days_after_a_conversation():
    history = [ContactEvent(ny(2, 15), TALK)]  # the 2nd is day 1 of 7
    decision = may_contact(history, ny(8, 20), NY)
    assert decision == Decision(False, Rule.CONVERSATION_COOLDOWN_7_DAYS, ny(9, 8))
    assert may_contact(history, ny(9, 8), NY).allowed


def test_an_inbound_conversation_starts_the_cool_down_but_is_no_attempt():
    inbound = [ContactEvent(ny(2, 15), TALK, outbound=False)]
    assert may_contact(inbound, ny(5), NY).blocked_by is Rule.CONVERSATION_COOLDOWN_7_DAYS
    six_attempts = [attempt(ny(9, 9, m)) for m in range(6)]
    assert may_contact(six_attempts + [ContactEvent(ny(1), TALK, outbound=False)], ny(9, 10), NY).allowed


def test_without_the_frequency_rules_only_cease_disputes_and_hours_block():
    busy = [attempt(ny(2, 9, m)) for m in range(7)] + [ContactEvent(ny(2, 10), TALK)]
    assert may_contact(busy, ny(3), NY).blocked_by is Rule.ATTEMPT_LIMIT_7_IN_7
    assert may_contact(busy, ny(3), NY, frequency=False) == Decision(True, None, ny(3))
    assert may_contact(busy, ny(3, 22), NY, frequency=False) == Decision(
        False, Rule.OUTSIDE_CALLING_HOURS, ny(4, 8)
    )
    ceased = [*busy, ContactEvent(ny(2, 11), CEASE)]
    assert may_contact(ceased, ny(3), NY, frequency=False) == Decision(False, Rule.CEASE_COMMUNICATION, None)
    disputed = [*busy, ContactEvent(ny(2, 11), DISPUTE, "LN1")]
    decision = may_contact(disputed, ny(3), NY, debt="LN1", frequency=False)
    assert decision == Decision(False, Rule.DISPUTE_OPEN, datetime(2026, 4, 1, 8, tzinfo=NY))


def test_rules_report_in_order_and_the_opening_satisfies_all():
    history = [attempt(ny(2, 9, m)) for m in range(7)] + [ContactEvent(ny(6, 9), TALK)]
    decision = may_contact(history, ny(6, 22), NY)
    assert decision.blocked_by is Rule.ATTEMPT_LIMIT_7_IN_7  # first in order, though the cool-down is longer
    assert decision.contactable_from == ny(13, 8)


def test_the_opening_is_at_08_00_local_across_a_dst_change():
    history = [attempt(ny(1, 9, m)) for m in range(7)]  # blocked until the 8th, the day clocks go forward
    decision = may_contact(history, ny(7, 12), NY)
    assert decision.contactable_from == ny(8, 8)
    assert decision.contactable_from.utcoffset() == timedelta(hours=-4)  # EDT now, not EST


def test_the_opening_is_at_08_00_local_when_clocks_go_back():
    history = [attempt(datetime(2026, 10, 25, 9, m, tzinfo=NY)) for m in range(7)]  # DST ends Nov 1st
    decision = may_contact(history, datetime(2026, 10, 31, 12, tzinfo=NY), NY)
    assert decision.contactable_from == datetime(2026, 11, 1, 8, tzinfo=NY)
    assert decision.contactable_from.utcoffset() == timedelta(hours=-5)  # EST again
    assert decision.contactable_from.astimezone(UTC) == datetime(2026, 11, 1, 13, tzinfo=UTC)


def test_calling_hours_follow_the_local_clock_on_the_day_it_changes():
    # 8 March 2026: 02:00 EST becomes 03:00 EDT, so 08:00 local is 12:00 UTC (13:00 UTC the day before)
    assert not may_contact([], datetime(2026, 3, 8, 11, 59, tzinfo=UTC), NY).allowed
    assert may_contact([], datetime(2026, 3, 8, 12, 0, tzinfo=UTC), NY).allowed
    assert not may_contact([], datetime(2026, 3, 7, 12, 30, tzinfo=UTC), NY).allowed
    # 20:59 EDT on the 8th is 00:59 UTC on the 9th; 21:00 is too late, the next opening 12:00 UTC
    assert may_contact([], datetime(2026, 3, 9, 0, 59, tzinfo=UTC), NY).allowed
    late = may_contact([], datetime(2026, 3, 9, 1, 0, tzinfo=UTC), NY)
    assert (late.blocked_by, late.contactable_from) == (Rule.OUTSIDE_CALLING_HOURS, ny(9, 8))
    assert late.contactable_from == datetime(2026, 3, 9, 12, tzinfo=UTC)


def test_an_open_dispute_pauses_calls_until_it_lapses():
    history = [ContactEvent(ny(2, 15), DISPUTE, "LN1", outbound=False)]  # the 2nd is day 1 of 30
    decision = may_contact(history, ny(3), NY)
    assert decision == Decision(False, Rule.DISPUTE_OPEN, datetime(2026, 4, 1, 8, tzinfo=NY))
    assert not may_contact(history, datetime(2026, 3, 31, 20, tzinfo=NY), NY).allowed
    assert may_contact(history, datetime(2026, 4, 1, 8, tzinfo=NY), NY).allowed
    assert may_contact(history, ny(3), NY, debt="LN2").allowed  # about another debt
    assert may_contact(history, ny(2, 14), NY).allowed  # not raised yet


def test_a_dispute_is_no_attempt_and_a_resolution_closes_it():
    disputed = [ContactEvent(ny(2, 15), DISPUTE, "LN1")]  # outbound by default: still no attempt
    resolved = [*disputed, ContactEvent(ny(4, 9), RESOLVED, "LN1")]
    assert not may_contact(resolved, ny(3), NY).allowed  # resolved only later
    assert may_contact(resolved, ny(4, 10), NY) == Decision(True, None, ny(4, 10))
    assert may_contact([*disputed, ContactEvent(ny(4, 9), RESOLVED)], ny(4, 10), NY).allowed  # every debt
    other = [*disputed, ContactEvent(ny(4, 9), RESOLVED, "LN2")]
    assert may_contact(other, ny(4, 10), NY).blocked_by is Rule.DISPUTE_OPEN
    reopened = [*resolved, ContactEvent(ny(5, 9), DISPUTE, "LN1")]
    assert may_contact(reopened, ny(5, 10), NY).blocked_by is Rule.DISPUTE_OPEN


def test_without_a_lapse_a_dispute_pauses_until_resolved():
    rules = ComplianceRules(dispute_pause_days=None)
    history = [ContactEvent(ny(2, 15), DISPUTE)]
    for later in (ny(3), ny(3) + timedelta(days=400)):
        assert may_contact(history, later, NY, rules=rules) == Decision(False, Rule.DISPUTE_OPEN, None)
    assert may_contact([*history, ContactEvent(ny(9), RESOLVED)], ny(10), NY, rules=rules).allowed
    ceased = [*history, ContactEvent(ny(3), CEASE)]
    assert may_contact(ceased, ny(4), NY, rules=rules).blocked_by is Rule.CEASE_COMMUNICATION


def test_a_dispute_reports_first_and_opens_when_every_rule_allows():
    history = [attempt(ny(20, 9, m)) for m in range(7)] + [ContactEvent(ny(2, 15), DISPUTE)]
    decision = may_contact(history, ny(26, 12), NY, rules=ComplianceRules(dispute_pause_days=25))
    assert decision.blocked_by is Rule.DISPUTE_OPEN  # lapses on the 27th, the attempts block until the 27th
    assert decision.contactable_from == ny(27, 8)
    decision = may_contact(history, ny(27, 12), NY, rules=ComplianceRules(dispute_pause_days=25))
    assert decision == Decision(True, None, ny(27, 12))


def test_events_after_now_are_ignored():
    assert may_contact([ContactEvent(ny(5), TALK)], ny(4), NY).allowed


def test_naive_times_are_refused():
    with pytest.raises(DomainError, match="timezone-aware"):
        may_contact([], datetime(2026, 3, 2, 10), NY)
    with pytest.raises(DomainError, match="timezone-aware"):
        may_contact([attempt(datetime(2026, 3, 1, 10))], ny(2), NY)


def test_configurable_rules():
    strict = ComplianceRules(
        max_attempts=2, attempt_window_days=3, conversation_cooldown_days=0, calling_hours_end=time(20)
    )
    history = [attempt(ny(2, 9)), attempt(ny(3, 9)), ContactEvent(ny(3, 10), TALK, outbound=False)]
    assert may_contact(history, ny(4, 19), NY, rules=strict).contactable_from == ny(5, 8)
    assert may_contact(history[:1], ny(4, 20), NY, rules=strict).blocked_by is Rule.OUTSIDE_CALLING_HOURS


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_attempts": 0},
        {"attempt_window_days": 0},
        {"conversation_cooldown_days": -1},
        {"calling_hours_start": time(21), "calling_hours_end": time(8)},
        {"calling_hours_start": time(8, tzinfo=UTC)},
        {"dispute_pause_days": 0},
    ],
)
def test_rules_are_checked(kwargs):
    with pytest.raises(InvalidConfig):
        ComplianceRules(**kwargs)


START = datetime(2026, 3, 1, tzinfo=UTC)
ZONES = st.sampled_from(
    [NY, ZoneInfo("Asia/Kolkata"), ZoneInfo("Europe/London"), ZoneInfo("Australia/Lord_Howe"), UTC]
)
moments = st.integers(0, 30 * 24 * 60).map(lambda minutes: START + timedelta(minutes=minutes))
events = st.builds(
    ContactEvent,
    moments,
    st.sampled_from([ATTEMPT, ATTEMPT, ATTEMPT, TALK, CEASE, DISPUTE, RESOLVED]),
    st.sampled_from([None, "LN1", "LN2"]),
    st.booleans(),
)
histories = st.lists(events, max_size=20)


@given(histories, moments, ZONES, st.sampled_from([None, "LN1"]), moments)
def test_adding_an_attempt_never_allows_what_was_blocked(history, now, zone, debt, extra):
    before = may_contact(history, now, zone, debt=debt)
    after = may_contact([*history, attempt(extra, debt)], now, zone, debt=debt)
    assert before.allowed or not after.allowed
    if before.contactable_from is None:
        assert after.contactable_from is None
    elif after.contactable_from is not None:
        assert after.contactable_from >= before.contactable_from


PAUSES = st.sampled_from([ComplianceRules(), ComplianceRules(dispute_pause_days=3)])


@given(histories, moments, ZONES, st.sampled_from([None, "LN1"]), PAUSES)
def test_contactable_from_is_itself_allowed(history, now, zone, debt, rules):
    history = [event for event in history if event.at <= now]  # what has happened by now
    decision = may_contact(history, now, zone, rules, debt=debt)
    if decision.allowed:
        assert decision.contactable_from == now and decision.blocked_by is None
        return
    assert decision.blocked_by is not None
    if decision.contactable_from is None:
        assert decision.blocked_by is Rule.CEASE_COMMUNICATION
        return
    assert decision.contactable_from > now
    assert may_contact(history, decision.contactable_from, zone, rules, debt=debt).allowed
    just_before = decision.contactable_from - timedelta(minutes=1)
    assert just_before <= now or not may_contact(history, just_before, zone, rules, debt=debt).allowed


@given(histories, moments, ZONES, st.sampled_from([None, "LN1"]))
def test_an_unresolved_dispute_without_a_lapse_never_opens(history, now, zone, debt):
    rules = ComplianceRules(dispute_pause_days=None)
    history = [event for event in history if event.at <= now]  # nothing resolves it later
    decision = may_contact(history, now, zone, rules, debt=debt)
    if decision.contactable_from is None and not decision.allowed:
        assert decision.blocked_by in (Rule.CEASE_COMMUNICATION, Rule.DISPUTE_OPEN)
    if decision.blocked_by is Rule.DISPUTE_OPEN:
        assert decision.contactable_from is None
        assert not may_contact(history, now + timedelta(days=365), zone, rules, debt=debt).allowed


def test_a_decision_holds_until_the_next_calling_hours_boundary_or_local_midnight():
    assert decision_holds_until([], ny(2, 6), NY) == ny(2, 8)  # before the opening: until it
    assert decision_holds_until([], ny(2, 10), NY) == ny(2, 21)  # within: until 21:00
    assert decision_holds_until([], ny(2, 22), NY) == ny(3, 0)  # after: until the local date changes
    # the boundary of the customer's clock, not the server's: 21:00 in New York is 02:00 UTC (EST)
    assert decision_holds_until([], datetime(2026, 3, 2, 20, tzinfo=UTC), NY) == datetime(
        2026, 3, 3, 2, tzinfo=UTC
    )
    # across the change to EDT on the 8th: 21:00 local is 01:00 UTC
    assert decision_holds_until([], ny(8, 12), NY) == datetime(2026, 3, 9, 1, tzinfo=UTC)


def test_a_decision_holds_until_a_later_event_counts():
    later = attempt(ny(2, 15))
    assert decision_holds_until([attempt(ny(1, 9)), later], ny(2, 10), NY) == ny(2, 15)
    assert decision_holds_until([later], ny(2, 16), NY) == ny(2, 21)  # past already: no boundary


@given(histories, moments, ZONES, PAUSES, st.floats(min_value=0, max_value=1, exclude_max=True))
def test_the_decision_is_the_same_at_any_moment_before_it_stops_holding(history, now, zone, rules, share):
    until = decision_holds_until(history, now, zone, rules)
    assert until > now
    # strictly before: a share just under 1 can round up to ``until`` at timedelta's microsecond precision
    later = min(now + (until - now) * share, until - timedelta(microseconds=1))
    assert _as_shown(may_contact(history, later, zone, rules)) == _as_shown(
        may_contact(history, now, zone, rules)
    )


def _as_shown(decision: Decision) -> tuple:
    """A decision as a queue shows it (an allowed decision's contactable_from is only its own moment)."""
    return (True,) if decision.allowed else (False, decision.blocked_by, decision.contactable_from)


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("08:00-21:00", (time(8), time(21))),
        (" 07:30 - 22:00 ", (time(7, 30), time(22))),
        ("00:00-24:00", (time(0), END_OF_DAY)),
    ],
)
def test_calling_hours_are_read_as_written(text, hours):
    assert calling_hours(text) == hours


@pytest.mark.parametrize("text", ["8-21", "08:00", "08:00-21", "24:00-24:00", "09:00-08:00", "08:60-21:00"])
def test_calling_hours_that_cannot_be_read_are_refused(text):
    with pytest.raises(InvalidConfig, match="calling hours"):
        calling_hours(text)


def test_hours_set_to_the_whole_day_allow_a_call_at_any_hour_and_say_so():
    start, end = calling_hours("00:00-24:00")
    rules = ComplianceRules(calling_hours_start=start, calling_hours_end=end)
    for hour, minute in ((0, 0), (3, 0), (21, 0), (23, 59)):
        assert may_contact([], ny(2, hour, minute), NY, rules).allowed
    assert rules.calling_hours_text == "00:00 to 24:00"
    start, end = calling_hours("07:00-22:00")
    late = ComplianceRules(calling_hours_start=start, calling_hours_end=end)
    assert may_contact([], ny(2, 21, 30), NY, late).allowed
    assert may_contact([], ny(2, 22), NY, late) == Decision(False, Rule.OUTSIDE_CALLING_HOURS, ny(3, 7))
