"""Dead letters with real Kafka and PostgreSQL: `crm dlq list / show / redrive` and the admin API.

Bad messages are produced to `payments` for real (so they have a real partition and offset), then their
dead letters to `payments.dlq` in the processors' DeadLetter form, as the delinquency processor writes them.
"""

from __future__ import annotations

import re
import subprocess
import sys

import psycopg
import pytest
from confluent_kafka import Producer

from contracts.admin import Role
from contracts.dlq import LETTER_LIMIT, dead_letter
from crm.settings import Settings
from infra import redrive as redriving
from infra.dead_letters import read_letters, redrivable, summarize
from tests.api_client import SECRET, api_client, token
from tests.kafka_helpers import read_all
from tests.services import initialized_namespace
from topics import physical_name

pytestmark = pytest.mark.integration

BAD = {
    b"LN-A": b'{"reference_number": "R1", "amount": "lots"}',
    b"LN-B": b'{"reference_number": "R2", "amount": "many"}',
    b"LN-C": b"\xff\xfe not even text",
}
REASONS = {b"LN-A": "amount: not a number", b"LN-B": "amount: not a number", b"LN-C": "invalid JSON"}


def _produce_bad(settings: Settings) -> dict[bytes, tuple[int, int]]:
    """Each bad payment to `payments`; where it landed."""
    landed: dict[bytes, tuple[int, int]] = {}
    producer = Producer({"bootstrap.servers": settings.kafka_brokers, "partitioner": "murmur2_random"})
    for key, value in BAD.items():
        producer.produce(
            physical_name("payments", settings),
            value,
            key,
            on_delivery=lambda _e, m, k=key: landed.__setitem__(k, (m.partition(), m.offset())),
        )
    producer.flush(30)
    return landed


def _dead_letter(settings: Settings, key: bytes, partition: int, offset: int) -> None:
    producer = Producer({"bootstrap.servers": settings.kafka_brokers, "partitioner": "murmur2_random"})
    record = dead_letter(
        source_topic="payments",
        partition=partition,
        offset=offset,
        key=key,
        value=BAD[key],
        error=REASONS[key],
        error_type="ValidationError",
        processor="delinquency",
    )
    producer.produce(physical_name("payments.dlq", settings), record, key)
    producer.flush(30)


@pytest.fixture(scope="module")
def world(service_addresses, run_id, cli_env):
    with initialized_namespace(service_addresses, f"dlq{run_id}", cli_env) as (settings, env):
        landed = _produce_bad(settings)
        for key, (partition, offset) in landed.items():
            _dead_letter(settings, key, partition, offset)
        yield settings, env, landed


def _crm(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "crm", "dlq", *args], env=env, capture_output=True, text=True, timeout=120
    )


def _copies_in_payments(settings: Settings) -> list[tuple[bytes, bytes]]:
    return read_all(settings.kafka_brokers, physical_name("payments", settings), idle=2)


def test_dead_letters_are_read_back_with_their_reasons_grouped(world):
    settings, _env, landed = world
    letters = read_letters(settings, "payments.dlq")
    assert sorted(s.letter.key for s in letters) == ["LN-A", "LN-B", "LN-C"]
    assert {s.source for s in letters} == {("payments", *landed[k]) for k in BAD}
    summary = summarize("payments.dlq", letters)
    assert summary.count == 3 and summary.reasons == [("amount: not a number", 2), ("invalid JSON", 1)]
    assert summary.contract_failures == {"amount: not a number", "invalid JSON"}  # refused by the contract
    assert summary.oldest <= summary.newest
    assert read_letters(settings, "bank.loans.dlq") == []


def test_list_and_show_on_the_command_line(world):
    settings, env, _landed = world
    listed = _crm(env, "list")
    assert listed.returncode == 0, listed.stderr
    assert "payments.dlq" in listed.stdout
    assert "2 × amount: not a number  (failed the payments contract)" in listed.stdout
    assert "bank.loans.dlq" not in listed.stdout  # empty topics are left out
    letter = next(s for s in read_letters(settings, "payments.dlq") if s.letter.key == "LN-A")
    shown = _crm(env, "show", "payments", f"{letter.partition}:{letter.offset}")
    assert shown.returncode == 0, shown.stderr
    assert "amount: not a number" in shown.stdout and '"amount": "lots"' in shown.stdout
    assert "it failed the payments contract: re-driven as it is, it is refused again" in shown.stdout
    assert "re-driven      no" in shown.stdout
    assert f"source         payments partition {letter.letter.partition}" in shown.stdout
    missing = _crm(env, "show", "payments.dlq", "0:999")
    assert missing.returncode == 2 and "no dead letter at partition 0 offset 999" in missing.stderr
    unknown = _crm(env, "list", "nope")
    assert unknown.returncode == 2 and "unknown dead-letter topic 'nope'" in unknown.stderr


def test_listing_one_topic_names_each_dead_letter_newest_first_at_its_position(world):
    settings, env, _landed = world
    letters = read_letters(settings, "payments.dlq")
    position = {s.letter.key: f"{s.partition}:{s.offset}" for s in letters}
    lines = _crm(env, "list", "payments").stdout.splitlines()
    rows = [line.split() for line in lines if line.startswith("  ") and " key " in line]
    newest_first = [f"{s.partition}:{s.offset}" for s in reversed(letters)]
    assert [row[0] for row in rows] == newest_first  # what `show` and `redrive --offsets` take
    assert {row[row.index("key") + 1]: row[0] for row in rows} == position
    reason_of = {row[row.index("key") + 1]: " ".join(row[row.index("key") + 2 :]) for row in rows}
    # each failed the contract: re-driven as it is, it would be refused again, and its line says so
    assert reason_of == {k.decode(): f"{r} (failed the payments contract)" for k, r in REASONS.items()}
    assert [row[2] for row in rows] == ["-"] * 3  # none re-driven yet
    assert lines[-1] == "crm dlq show payments.dlq PARTITION:OFFSET shows one"

    newest = _crm(env, "list", "payments", "--limit", "1").stdout
    assert f"  {newest_first[0]} " in newest and f"  {newest_first[1]} " not in newest
    assert "2 older not listed (--limit 0 lists all)" in newest

    chosen = _crm(env, "list", "payments", "--where", "reason~json").stdout
    assert "1 matching reason~json, newest first:" in chosen
    assert f"  {position['LN-C']} " in chosen and "key LN-A" not in chosen
    assert "2 × amount: not a number" in chosen  # the topic's reasons are all still counted
    assert "none matching key=LN-Z" in _crm(env, "list", "payments", "--where", "key=LN-Z").stdout

    everywhere = _crm(env, "list", "--where", "reason~json")
    assert everywhere.returncode == 2 and "name it (crm dlq list TOPIC" in everywhere.stderr
    unreadable = _crm(env, "list", "payments", "--where", "colour=red")
    assert unreadable.returncode == 2 and "cannot read --where 'colour=red'" in unreadable.stderr


def test_redrive_reproduces_the_original_bytes_once(world):
    settings, env, _landed = world
    before = _copies_in_payments(settings)
    assert len(before) == 3

    dry = _crm(env, "redrive", "payments.dlq", "--where", "reason~NOT A NUMBER", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would re-drive 2 of 2 chosen" in dry.stdout
    # the letters say their messages failed the contract: as they are, they would be refused again
    assert "! 2 of them failed the payments contract: re-driven as they are, they will be dead-lettered" in (
        " ".join(dry.stdout.split())
    )
    assert len(_copies_in_payments(settings)) == 3  # a dry run produces nothing

    first = _crm(env, "redrive", "payments.dlq", "--where", "reason~NOT A NUMBER")
    assert first.returncode == 0, first.stderr
    assert "re-drove 2 of 2 chosen; 0 skipped" in first.stdout
    after = _copies_in_payments(settings)
    assert sorted(after) == sorted([*before, (b"LN-A", BAD[b"LN-A"]), (b"LN-B", BAD[b"LN-B"])])
    letter = next(s for s in read_letters(settings, "payments.dlq") if s.letter.key == "LN-A")
    landed = next(line for line in first.stdout.splitlines() if "key LN-A" in line).split("→ ")[1]
    shown = _crm(env, "show", "payments", f"{letter.partition}:{letter.offset}").stdout
    assert re.search(rf"re-driven +\S+ by cli:\S+: the copy is {re.escape(landed)}$", shown, re.M), shown

    everything = _crm(env, "redrive", "payments", "--all")  # only the one not re-driven yet
    assert "re-drove 1 of 3 chosen; 2 skipped" in everything.stdout, everything.stdout + everything.stderr
    assert sorted(_copies_in_payments(settings)) == sorted([*after, (b"LN-C", BAD[b"LN-C"])])

    again = _crm(env, "redrive", "payments", "--all")
    assert "re-drove 0 of 3 chosen; 3 skipped" in again.stdout
    assert len(_copies_in_payments(settings)) == 6
    with psycopg.connect(settings.database_url) as conn:
        rows = conn.execute("SELECT source_topic, redriven_by FROM dlq_redrives").fetchall()
    assert len(rows) == 3 and all(topic == "payments" and who.startswith("cli:") for topic, who in rows)
    listed = [line.split() for line in _crm(env, "list", "payments").stdout.splitlines() if " key " in line]
    assert [row[2] for row in listed] == ["re-driven"] * 3


def test_a_second_dead_letter_of_a_redriven_message_is_skipped(world):
    """A replay dead-letters the same bad message again (same source offset, new DLQ offset)."""
    settings, _env, landed = world
    _dead_letter(settings, b"LN-A", *landed[b"LN-A"])
    letters = read_letters(settings, "payments.dlq")
    newest = max((s for s in letters if s.letter.key == "LN-A"), key=lambda s: s.timestamp)
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        chosen = redriving.select(letters, positions=[(newest.partition, newest.offset)])
        result = redriving.redrive(settings, conn, "payments.dlq", chosen, "test")
    assert result.redriven == [] and [s.why for s in result.skipped] == [
        "its source message was already re-driven"
    ]


def test_an_unreadable_dead_letter_is_shown_but_never_redriven(world):
    settings, _env, _landed = world
    producer = Producer({"bootstrap.servers": settings.kafka_brokers})
    producer.produce(physical_name("agent.actions.dlq", settings), b"not a dead letter", b"CX")
    producer.flush(30)
    (stored,) = read_letters(settings, "agent.actions.dlq")
    assert stored.letter is None and stored.reason.startswith("unreadable dead letter")
    assert not redrivable(stored.reason)  # the API's reasons say so, and the page offers no redrive
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        result = redriving.redrive(settings, conn, "agent.actions.dlq", [stored], "test")
    assert result.redriven == [] and result.skipped[0].why == stored.reason


def test_a_letter_whose_original_was_too_large_to_keep_is_shown_cut_and_never_redriven(world):
    settings, env, _landed = world
    huge = b'{"reference_number": "' + b"9" * 1_200_000 + b'"}'
    record = dead_letter(
        source_topic="bank.collaterals",
        partition=0,
        offset=7,
        key=b"COL-HUGE",
        value=huge,
        error="reference_number: too long",
        error_type="ValidationError",
        processor="entities",
    )
    assert len(record) <= LETTER_LIMIT  # Kafka's default limit is 1 MB: a whole copy would be refused
    producer = Producer({"bootstrap.servers": settings.kafka_brokers})
    producer.produce(physical_name("bank.collaterals.dlq", settings), record, b"COL-HUGE")
    producer.flush(30)
    (stored,) = read_letters(settings, "bank.collaterals.dlq")
    assert stored.letter.value_size == len(huge) and huge.startswith(stored.letter.value.encode())
    shown = _crm(env, "show", "bank.collaterals", f"{stored.partition}:{stored.offset}").stdout
    assert f"value: its first 65,536 of {len(huge):,} bytes" in shown, shown
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        result = redriving.redrive(settings, conn, "bank.collaterals.dlq", [stored], "test")
    assert result.redriven == [] and result.skipped[0].why == (
        f"its original ({len(huge):,} bytes) was too large to keep in the letter; it is at "
        "bank.collaterals[0]@7 while that topic retains it"
    )


# ---- the admin API ----


@pytest.mark.anyio
async def test_the_admin_api_lists_pages_and_redrives_with_an_audit_record(world):
    settings, _env, landed = world
    api_settings = settings.model_copy(update={"jwt_secret": SECRET})
    # fresh bad messages, each dead-lettered once
    for key, (partition, offset) in _produce_bad(api_settings).items():
        _dead_letter(api_settings, key, partition, offset)
    admin = token(Role.ADMIN)
    async with api_client(api_settings) as http:
        overview = (await http.get("/api/admin/dlq", headers=admin)).json()
        payments = next(t for t in overview if t["topic"] == "payments.dlq")
        assert payments["source_topic"] == "payments" and payments["count"] == 7 and payments["redriven"] == 3
        assert payments["reasons"][0] == {
            "reason": "amount: not a number",
            "count": 5,
            "redrivable": True,
            "failed_contract": True,  # re-driven as they are, refused again: the page marks the reason
        }
        assert {t["topic"] for t in overview} >= {"bank.loans.dlq", "config.agents.dlq"}

        page = (await http.get("/api/admin/dlq/payments.dlq?offset=0&limit=3", headers=admin)).json()
        assert page["total"] == 7 and len(page["items"]) == 3
        assert page["reasons"] == payments["reasons"]  # the whole topic's, whatever the page holds
        assert not any(item["redriven"] for item in page["items"])  # newest first: the fresh ones
        fresh = next(item for item in page["items"] if item["letter"]["key"] == "LN-B")
        assert fresh["letter"]["value"] == BAD[b"LN-B"].decode()
        assert fresh["failed_contract"] is True  # what the page's confirmation warns of

        body = {"positions": [{"partition": fresh["partition"], "offset": fresh["offset"]}]}
        done = (await http.post("/api/admin/dlq/payments.dlq/redrive", json=body, headers=admin)).json()
        assert [(r["key"], r["new_offset"] is not None) for r in done["redriven"]] == [("LN-B", True)]
        assert done["redriven"][0]["failed_contract"] is True  # the page warns before and after
        repeat = (await http.post("/api/admin/dlq/payments.dlq/redrive", json=body, headers=admin)).json()
        assert repeat["redriven"] == [] and repeat["skipped"][0]["why"] == "already re-driven"

        # by reason, as the page's "Re-drive all…" asks: a dry run first, then the same without
        by_reason = {"reason": "NOT A NUMBER"}
        copies = len(_copies_in_payments(settings))
        dry = await http.post(
            "/api/admin/dlq/payments.dlq/redrive", json={**by_reason, "dry_run": True}, headers=admin
        )
        assert [(r["key"], r["new_offset"]) for r in dry.json()["redriven"]] == [("LN-A", None)]
        assert dry.json()["skipped"] and {s["why"] for s in dry.json()["skipped"]} <= {
            "already re-driven",
            "its source message was already re-driven",
        }
        assert len(_copies_in_payments(settings)) == copies  # a dry run produces nothing
        done = await http.post("/api/admin/dlq/payments.dlq/redrive", json=by_reason, headers=admin)
        assert [r["key"] for r in done.json()["redriven"]] == ["LN-A"]
        assert done.json()["skipped"] == dry.json()["skipped"]
        assert len(_copies_in_payments(settings)) == copies + 1

        bad_body = await http.post(
            "/api/admin/dlq/payments.dlq/redrive", json={"all": True, "reason": "x"}, headers=admin
        )
        assert bad_body.status_code == 422
        missing = await http.get("/api/admin/dlq/nope.dlq", headers=admin)
        assert missing.status_code == 404 and "unknown dead-letter topic" in missing.json()["detail"]
        forbidden = await http.get("/api/admin/dlq", headers=token(Role.SUPERVISOR, team="T1"))
        assert forbidden.status_code == 403
    with psycopg.connect(settings.database_url) as conn:
        audits = conn.execute(
            "SELECT who, details FROM audit_log WHERE action = 'dlq.redrive' AND target = 'dlq:payments.dlq'"
        ).fetchall()
    assert [len(details["redriven"]) for _who, details in audits] == [1, 0, 1]  # dry runs are not audited
    assert landed  # the module's first bad messages stay where they were
