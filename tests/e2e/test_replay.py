"""`crm replay` end to end: a small portfolio through delinquency → roll-up → promises into PostgreSQL, then
a replay from the beginning rebuilds the same tables; a replay of running processors is refused."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from crm.demo.readiness import pipeline_inputs
from crm.ingest import ingest_file
from processors.common.app import consumer_group
from tests.integration.test_delinquency_processor import STATE_TABLES, _dump
from tests.services import initialized_namespace
from topics.lag import wait_pipeline_idle

pytestmark = [pytest.mark.integration, pytest.mark.slow]
PROCESSORS = ("delinquency", "rollup", "promises")
TOPICS = ("bank.loans", "payments", "agent.actions", "ops.business-date")


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory) -> Path:
    from crm.generator import generate_portfolio

    out = tmp_path_factory.mktemp("replay")
    generate_portfolio(out, 120, 5, workers=1, progress=False, days=10)
    return out


def _idle(settings) -> None:
    groups = {consumer_group(settings, name) for name in PROCESSORS}
    inputs = {g: topics for g, topics in pipeline_inputs(settings).items() if g in groups}
    wait_pipeline_idle(settings.kafka_brokers, inputs, timeout=240)


def _replay(env: dict, *args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "crm", "replay", *(a for n in PROCESSORS for a in ("-p", n)), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=400)


@pytest.fixture(scope="module")
def processed(service_addresses, run_id, cli_env, portfolio, tmp_path_factory):
    """The portfolio processed by running processors; while they run, a replay is refused."""
    log = tmp_path_factory.mktemp("replay-log") / "run.log"
    with initialized_namespace(service_addresses, f"rp{run_id}", cli_env) as (settings, env):
        for topic in TOPICS:
            report = ingest_file(settings, topic, portfolio / f"{topic}.jsonl")
            assert report.ok, report.rejections[:3]
        with log.open("w") as out:  # a file, not a pipe: a full pipe would stall the processors
            running = subprocess.Popen(
                [sys.executable, "-m", "crm", "run", *PROCESSORS],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            _idle(settings)
            refused = _replay(env, "--yes")
        finally:
            running.send_signal(signal.SIGTERM)
            running.wait(timeout=60)
        assert running.returncode == 0, log.read_text()[-3000:]
        yield settings, env, refused


def test_a_replay_of_running_processors_is_refused_and_changes_nothing(processed):
    _settings, _env, refused = processed
    assert refused.returncode == 2
    assert "still running: delinquency (1 consumer), rollup (1 consumer), promises" in refused.stderr


def test_a_replay_from_the_beginning_rebuilds_the_same_tables(processed):
    settings, env, _refused = processed
    before = _dump(settings)
    assert all(before[table] for table in STATE_TABLES)
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        # a row no input explains: a replay that only rewrote rows over the old ones would keep it
        conn.execute(
            "INSERT INTO loan_delinquency SELECT 'NOT-A-LOAN', cif, currency, business_date, dpd, bucket,"
            " overdue_amount, outstanding, oldest_unpaid_due, next_event, revision"
            " FROM loan_delinquency LIMIT 1"
        )
    replayed = _replay(env, "--from-beginning", "--no-downstream", "--exit-when-caught-up", "--yes")
    assert replayed.returncode == 0, replayed.stderr[-3000:]
    assert (
        "empty the tables loan_delinquency, delinquency_transitions, customer_delinquency" in replayed.stderr
    )
    assert "caught up; stopping the processors" in replayed.stderr
    assert _dump(settings) == before


def test_from_a_time_is_refused_for_stateful_processors(processed):
    _settings, env, _refused = processed
    refused = _replay(env, "--from", "2026-01-01T00:00:00+00:00", "--yes")
    assert refused.returncode == 2 and "--from cannot replay delinquency, rollup, promises" in refused.stderr
