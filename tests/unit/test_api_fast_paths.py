"""The API's hot-path shortcuts answer exactly what the long way would: verified tokens served from a cache
until they expire, queue entries decided once per zone, and queue JSON written without pydantic."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import jwt
import orjson
import pytest
from pydantic import TypeAdapter

from api import security
from api.security import InvalidToken, Principal, TokenCache, issue_token
from contracts.admin import Role
from contracts.api import QueueEntry
from processors.queues.logic import first_contact
from processors.queues.read import entries_json, entry_view, entry_views

SECRET = "fast-path-secret-" + "x" * 32
AGENT = Principal("ann", Role.AGENT, "A-1")


@pytest.fixture
def decodes(monkeypatch) -> list[str]:
    """Every full verification of a token (PyJWT's decode), by token."""
    seen: list[str] = []
    decode = jwt.decode

    def counting(token, *args, **kwargs):
        seen.append(token)
        return decode(token, *args, **kwargs)

    monkeypatch.setattr(security.jwt, "decode", counting)
    return seen


def test_a_token_is_verified_once_then_served_from_the_cache(decodes):
    cache = TokenCache(SECRET)
    token = issue_token(SECRET, AGENT)
    assert cache.principal(token) == AGENT
    assert cache.principal(token) == AGENT
    assert decodes == [token]


def test_a_cached_token_stops_working_when_it_expires(decodes):
    cache = TokenCache(SECRET)
    ttl = timedelta(minutes=15)
    expires = int(time.time()) + 1  # a token issued 15 minutes ago, with a second left
    token = issue_token(SECRET, AGENT, now=datetime.fromtimestamp(expires, UTC) - ttl, ttl=ttl)
    assert cache.principal(token) == AGENT
    assert cache.principal(token) == AGENT and len(decodes) == 1
    time.sleep(max(0.0, expires - time.time()) + 0.01)
    with pytest.raises(InvalidToken, match="expired"):
        cache.principal(token)
    assert token not in cache._verified  # a failure is not kept


def test_a_tampered_or_foreign_token_is_never_a_hit(decodes):
    cache = TokenCache(SECRET)
    token = issue_token(SECRET, AGENT)
    cache.principal(token)
    header, payload, signature = token.split(".")
    for bad in (f"{header}.{payload}.{signature[:-2]}AA", issue_token("another-secret-" + "y" * 32, AGENT)):
        with pytest.raises(InvalidToken):
            cache.principal(bad)
        with pytest.raises(InvalidToken):  # a failure is not remembered as anything: verified again
            cache.principal(bad)
    assert len(decodes) == 5


def test_the_cache_keeps_the_most_recently_used_tokens():
    cache = TokenCache(SECRET, max_size=2)
    tokens = [issue_token(SECRET, Principal(f"u{n}", Role.ADMIN)) for n in range(3)]
    cache.principal(tokens[0])
    cache.principal(tokens[1])
    cache.principal(tokens[0])  # used again: tokens[1] is now the oldest
    cache.principal(tokens[2])
    assert list(cache._verified) == [tokens[0], tokens[2]]


# ---- queue entries ----

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)


def stored(cif: str, timezone: str | None, **compliance) -> dict:
    return {
        "cif": cif,
        "name": f"Customer {cif}",
        "priority": 64.5,
        "reason": "DPD 10 (1-29)",
        "dpd": 10,
        "bucket": "1-29",
        "overdue_amount": "500.00",
        "currency": "USD",
        "campaign": "Early",
        "timezone": timezone,
        "attempts": [],
        "last_conversation": None,
        "cease": False,
        "cease_at": None,
        "dispute_open": False,
        "disputes": [],
        **compliance,
    }


ENTRIES = [
    stored("C1", "America/New_York"),  # 10:30 there: callable
    stored("C2", "Asia/Ho_Chi_Minh"),  # 22:30 there: not before 08:00 tomorrow (+07:00)
    stored("C3", None),  # the rules' default zone, UTC: callable
    stored("C4", "Asia/Ho_Chi_Minh", cease=True, cease_at="2026-03-01T10:00:00.000+00:00"),
    stored(
        "C5", "America/New_York", last_conversation={"at": "2026-03-01T15:00:00.000+00:00", "outbound": True}
    ),
    stored("C6", "America/New_York", attempts=[f"2026-03-0{d}T14:00:00.000+00:00" for d in (1, 2)]),
    stored("C7", "Not/AZone"),
    stored("C8", "Europe/London", overdue_amount="1E+3", priority=70),  # written oddly: shown canonically
    stored(  # the contact the campaign chose first, as the processor stores it (`logic.first_contact`)
        "C9",
        "Asia/Ho_Chi_Minh",
        contact=first_contact(
            [{"channel": "PHONE", "value": "+84 91 555 0001", "type": "MOBILE", "rule": 0}]
        ),
    ),
]


def test_entries_decided_once_per_zone_are_decided_as_one_by_one():
    assert entry_views([orjson.dumps(e) for e in ENTRIES], NOW) == [
        entry_view(entry, NOW) for entry in ENTRIES
    ]


def test_the_queue_json_is_what_pydantic_writes_for_the_response_model():
    views = [entry_view(entry, NOW) for entry in ENTRIES]
    expected = TypeAdapter(list[QueueEntry]).dump_json([QueueEntry.model_validate(v) for v in views])
    assert entries_json([dict(v) for v in views]) == expected
    assert b'"contactable_from":"2026-03-03T08:00:00+07:00"' in expected  # a zone's offset is kept
    assert b'"overdue_amount":"1000"' in expected and b'"priority":70.0' in expected
    assert b'"contact":{"channel":"PHONE","value":"+84 91 555 0001","type":"MOBILE","name":null' in expected


def test_an_entry_without_history_costs_one_decision_per_zone(monkeypatch):
    from processors.queues import read

    calls = []
    decide = read.may_contact
    monkeypatch.setattr(read, "may_contact", lambda *a, **k: calls.append(a) or decide(*a, **k))
    same_zone = [orjson.dumps(stored(f"C{n}", "Asia/Ho_Chi_Minh")) for n in range(50)]
    entry_views([*same_zone, orjson.dumps(stored("C-NY", "America/New_York"))], NOW)
    assert len(calls) == 2
