"""Contact compliance (domain/compliance.py): each Reg F rule, its boundaries, time zones, properties."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.compliance import (
    ComplianceRules,
    ContactEvent,
    ContactEventKind,
    Decision,
    Rule,
    may_contact,
)
from domain.errors import DomainError, InvalidConfig

NY = ZoneInfo("America/New_York")
ATTEMPT, TALK, CEASE = (
    ContactEventKind.CALL_ATTEMPT,
    ContactEventKind.CONVERSATION,
    ContactEventKind.CEASE_COMMUNICATION,
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
    st.sampled_from([ATTEMPT, ATTEMPT, ATTEMPT, TALK, CEASE]),
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


@given(histories, moments, ZONES, st.sampled_from([None, "LN1"]))
def test_contactable_from_is_itself_allowed(history, now, zone, debt):
    history = [event for event in history if event.at <= now]  # what has happened by now
    decision = may_contact(history, now, zone, debt=debt)
    if decision.allowed:
        assert decision.contactable_from == now and decision.blocked_by is None
        return
    assert decision.blocked_by is not None
    if decision.contactable_from is None:
        assert decision.blocked_by is Rule.CEASE_COMMUNICATION
        return
    assert decision.contactable_from > now
    assert may_contact(history, decision.contactable_from, zone, debt=debt).allowed
    just_before = decision.contactable_from - timedelta(minutes=1)
    assert just_before <= now or not may_contact(history, just_before, zone, debt=debt).allowed
