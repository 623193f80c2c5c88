"""A delinquency processor killed with SIGKILL mid-stream and restarted ends where an uninterrupted run
would, and exactly-once processing publishes no record twice."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections import Counter

import orjson
import psycopg
import pytest

from crm.ingest import ingest_file
from tests.integration.test_delinquency_processor import INPUTS, expected_views
from tests.kafka_helpers import message_count, read_all
from tests.services import initialized_namespace
from topics import physical_name
from topics.lag import wait_caught_up

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def start(env):
    return subprocess.Popen(
        [sys.executable, "-m", "crm", "run", "delinquency"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_sigkill_mid_stream_then_restart_loses_and_duplicates_nothing(
    service_addresses, run_id, cli_env, tmp_path
):
    from crm.generator import generate_portfolio

    generate_portfolio(tmp_path, 3_000, 21, workers=1, progress=False, days=10)
    with initialized_namespace(service_addresses, f"k{run_id}", cli_env) as (settings, env):
        for topic in ("bank.loans", "payments", "ops.business-date"):
            assert ingest_file(settings, topic, tmp_path / f"{topic}.jsonl").ok
        outputs = physical_name("delinquency.loans", settings)
        first = start(env)
        deadline = time.monotonic() + 120
        while message_count(settings.kafka_brokers, outputs) < 500 and time.monotonic() < deadline:
            time.sleep(0.2)
        first.send_signal(signal.SIGKILL)  # mid-stream: no clean shutdown, no final commit
        first.wait(timeout=30)
        second = start(env)
        try:
            group = f"{settings.namespace}crm-delinquency"
            wait_caught_up(settings.kafka_brokers, group, [physical_name(t, settings) for t in INPUTS], 300)
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=60)

        expected, _last = expected_views(tmp_path)
        with psycopg.connect(settings.database_url) as conn:
            rows = dict(conn.execute("SELECT account_number, bucket FROM loan_delinquency").fetchall())
            overdue = dict(
                conn.execute("SELECT account_number, overdue_amount FROM loan_delinquency").fetchall()
            )
        assert rows == {account: view.bucket for account, view in expected.items()}
        assert overdue == {account: view.overdue_amount for account, view in expected.items()}

        published = read_all(settings.kafka_brokers, outputs)
        revisions = Counter((key, orjson.loads(value)["revision"]) for key, value in published)
        assert revisions and max(revisions.values()) == 1, "a record was published twice"
