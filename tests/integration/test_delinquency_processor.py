"""The delinquency processor end to end: a generated portfolio through real Kafka into PostgreSQL, checked
loan by loan against the pure domain rules computed straight from the same files."""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import orjson
import psycopg
import pytest
from confluent_kafka import Producer

from crm.ingest import ingest_file
from domain.customer import roll_up
from domain.loan import LoanState
from infra.kafka_topics import existing_topics
from processors.delinquency.parsing import payment_from, snapshot_from
from tests.kafka_helpers import read_all
from tests.services import initialized_namespace
from topics import physical_name
from topics.lag import wait_caught_up

pytestmark = pytest.mark.integration
INPUTS = ("bank.loans", "payments", "ops.business-date", "delinquency.ticks")


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory) -> Path:
    from crm.generator import generate_portfolio

    out = tmp_path_factory.mktemp("delinquency")
    generate_portfolio(out, 400, 11, workers=1, progress=False, days=20)
    return out


@pytest.fixture(scope="module")
def processed(service_addresses, run_id, cli_env, portfolio):
    """The portfolio fed to a running processor as days would bring it, plus a poison payment.

    Loans and the first business date, then the payments, then the remaining dates, each step processed
    before the next: payments land on delinquent loans (cures), later dates age the rest (roll-forwards).
    """
    dates = (portfolio / "ops.business-date.jsonl").read_bytes().splitlines(keepends=True)
    (portfolio / "first-date.jsonl").write_bytes(dates[0])
    (portfolio / "later-dates.jsonl").write_bytes(b"".join(dates[1:]))
    steps = [
        [("bank.loans", "bank.loans"), ("ops.business-date", "first-date")],
        [("payments", "payments")],
        [("ops.business-date", "later-dates")],
    ]
    with initialized_namespace(service_addresses, f"d{run_id}", cli_env) as (settings, env):
        group = f"{settings.namespace}crm-delinquency"
        inputs = [physical_name(t, settings) for t in INPUTS]
        process = subprocess.Popen(
            [sys.executable, "-m", "crm", "run", "delinquency", "rollup"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            for step in steps:
                for topic, file in step:
                    report = ingest_file(settings, topic, portfolio / f"{file}.jsonl")
                    assert report.ok, report.rejections[:3]
                wait_caught_up(settings.kafka_brokers, group, inputs, 240)
            poison = Producer({"bootstrap.servers": settings.kafka_brokers})
            poison.produce(
                physical_name("payments", settings), b'{"reference_number": "X", "amount": "lots"}', b"LNX"
            )
            poison.flush()
            wait_caught_up(settings.kafka_brokers, group, inputs, 60)
            rollup_inputs = [physical_name("delinquency.loans", settings)]
            rollup_inputs += [
                t
                for t in existing_topics(settings)
                if t.startswith("repartition__") and settings.namespace in t
            ]
            wait_caught_up(settings.kafka_brokers, f"{settings.namespace}crm-rollup", rollup_inputs, 120)
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=60)
        assert process.returncode == 0, output[-3000:]
        yield settings


def expected_views(portfolio: Path) -> dict:
    """Each loan as the domain rules see it after every event in the files, on the last business date."""
    states: dict[str, LoanState] = {}
    for line in (portfolio / "bank.loans.jsonl").read_bytes().splitlines():
        snapshot = snapshot_from(line)
        states[snapshot.account_number] = LoanState(snapshot.account_number).with_snapshot(snapshot)[0]
    for line in (portfolio / "payments.jsonl").read_bytes().splitlines():
        account, event = payment_from(line)
        states[account] = states[account].with_payment(event)[0]
    last = max(
        date.fromisoformat(orjson.loads(d)["date"])
        for d in (portfolio / "ops.business-date.jsonl").read_bytes().splitlines()
    )
    return {account: state.view(last) for account, state in states.items()}, last


def test_every_loan_matches_the_domain_rules(processed, portfolio):
    expected, last = expected_views(portfolio)
    with psycopg.connect(processed.database_url) as conn:
        rows = conn.execute(
            "SELECT account_number, bucket, overdue_amount, outstanding, oldest_unpaid_due, business_date"
            " FROM loan_delinquency"
        ).fetchall()
    assert len(rows) == len(expected)
    mismatches = []
    for account, bucket, overdue, outstanding, oldest, _written_on in rows:
        view = expected[account]
        got = (bucket, Decimal(overdue), Decimal(outstanding), oldest)
        want = (view.bucket, view.overdue_amount, view.outstanding, view.oldest_unpaid_due)
        if got != want:
            mismatches.append((account, got, want))
    assert not mismatches, mismatches[:5]
    delinquent = [v for v in expected.values() if v.dpd > 0]
    assert delinquent, "the portfolio should have delinquent loans"
    for view in delinquent[:20]:  # DPD is derivable from the stored oldest unpaid due date
        assert (last - view.oldest_unpaid_due).days == view.dpd


def test_transitions_are_recorded(processed):
    with psycopg.connect(processed.database_url) as conn:
        kinds = dict(
            conn.execute("SELECT kind, count(*) FROM delinquency_transitions GROUP BY kind").fetchall()
        )
    assert kinds.get("ENTRY", 0) > 0 and kinds.get("ROLL_FORWARD", 0) > 0 and kinds.get("CURE", 0) > 0


def test_the_poison_payment_is_dead_lettered_with_its_reason(processed):
    [(key, value)] = read_all(
        processed.kafka_brokers, physical_name("payments.dlq", processed), 1, timeout=30
    )
    letter = orjson.loads(value)
    assert key == b"LNX"
    assert letter["source_topic"] == "payments" and letter["processor"] == "delinquency"
    assert "amount" in letter["error"] and letter["value"].startswith('{"reference_number": "X"')


def test_each_customer_is_as_late_as_their_worst_loan(processed, portfolio):
    expected, last = expected_views(portfolio)
    by_customer: dict[str, list] = {}
    for view in expected.values():
        by_customer.setdefault(view.cif, []).append(view)
    with psycopg.connect(processed.database_url) as conn:
        rows = conn.execute(
            "SELECT cif, bucket, overdue_total, outstanding_total, loans, oldest_unpaid_due"
            " FROM customer_delinquency"
        ).fetchall()
    assert len(rows) == len(by_customer)
    for cif, bucket, overdue, outstanding, loans, oldest in rows:
        want = roll_up(cif, by_customer[cif])
        assert bucket == want.bucket, cif
        assert {c: Decimal(a) for c, a in overdue.items()} == want.overdue_total
        assert {c: Decimal(a) for c, a in outstanding.items()} == want.outstanding_total
        assert loans == want.loans
        if want.max_dpd:
            assert (last - oldest).days == want.max_dpd
