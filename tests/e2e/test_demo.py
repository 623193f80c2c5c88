"""`crm demo` end to end: from an empty namespace to a healthy product serving a demo agent's queue and the
web app, moving by itself (business dates, simulated payments and calls), stopped by Ctrl-C; run again, it
reuses what the first run made."""

from __future__ import annotations

import os
import signal
import time
from datetime import date
from pathlib import Path

import httpx
import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from crm.errors import CrmError
from crm.generator import GENERATOR_VERSION
from tests.e2e.conftest import login, remove_local_state, start_demo
from tests.kafka_helpers import message_count
from tests.services import initialized_namespace
from topics import physical_name

pytestmark = pytest.mark.integration
DEMO = ("--customers", "200", "--seed", "5")


def _wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(f"{what} within {timeout:.0f} s")


@pytest.fixture
def namespace(service_addresses, run_id, cli_env):
    """A namespace of the demo's own; everything in it, and the processors' local state, removed after."""
    with initialized_namespace(service_addresses, f"d{run_id}", cli_env) as (settings, env):
        try:
            yield settings, env
        finally:
            remove_local_state(settings)


def test_demo_runs_the_whole_product_and_stops_on_ctrl_c(namespace, web_dist):
    settings, env = namespace
    demo = start_demo(env, *DEMO, "--day-every", "2s", "--rate", "10")
    try:
        demo.wait_ready(timeout=240)
        base = demo.url

        agent = login(base, "agent1")
        me = httpx.get(f"{base}/api/auth/me", headers=agent, timeout=10).json()
        assert me["role"] == "agent" and me["agent_id"]
        queue = httpx.get(f"{base}/api/agents/{me['agent_id']}/queue", headers=agent, timeout=10)
        assert queue.status_code == 200, queue.text
        assert queue.json(), "the demo agent's queue is empty"

        page = httpx.get(f"{base}/", timeout=10)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert '<div id="root">' in page.text and "/assets/" in page.text  # the built app, not a notice

        # it moves by itself: new business dates, and the simulator's payments and calls arrive
        admin = login(base, "admin")

        def business_date() -> date:
            summary = httpx.get(f"{base}/api/dashboard/portfolio", headers=admin, timeout=10).json()
            return date.fromisoformat(summary["business_date"])

        first = business_date()
        _wait_for(lambda: business_date() > first, 30, "the business date did not advance")
        simulated = (
            "SELECT (SELECT count(*) FROM payments WHERE reference_number LIKE 'SIM-%'),"
            " (SELECT count(*) FROM actions WHERE action_id LIKE 'SIM-%')"
        )
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            _wait_for(
                lambda: all(conn.execute(simulated).fetchone()),
                30,
                "no simulated payment and call were processed",
            )
            # the money collected per agent, kept by triggers while every sink wrote at once, equals the
            # recomputation from the base tables inside one snapshot
            with conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                kept = sorted(conn.execute("SELECT * FROM agg_agent_collected").fetchall())
                recomputed = sorted(conn.execute("SELECT * FROM agg_agent_collected_recomputed()").fetchall())
            assert kept and kept == recomputed
            # customers fall behind as the dates move, so the early buckets do not drain (their numbers
            # start at C9…: crm.generator.newcomers)
            newcomer = "SELECT count(*) FROM customer_delinquency WHERE cif >= 'C900000000' AND max_dpd > 0"
            _wait_for(lambda: conn.execute(newcomer).fetchone()[0] > 0, 90, "no customer fell behind")
            # and current customers pay most installments on their date, instead of all rolling into arrears
            on_time = "SELECT count(*) FROM payments WHERE reference_number LIKE 'DUE-%'"
            _wait_for(lambda: conn.execute(on_time).fetchone()[0] > 0, 30, "no installment paid on its date")
    finally:
        code = demo.interrupt()
    assert code == 0, demo.output[-5000:]
    output = demo.output
    assert "bank.customers: 200 produced, 0 rejected" in output
    for stopped in (
        "business-date clock stopped",
        "simulator stopped",
        "api stopped",
        "processors stopped",
    ):
        assert stopped in output, output[-3000:]
    customers_topic = physical_name("bank.customers", settings)
    produced = message_count(settings.kafka_brokers, customers_topic)
    assert produced > 200  # the portfolio's, then the simulator's newcomers

    # again, quiet this time: same portfolio, not ingested twice, processors resume where they were
    again = start_demo(env, *DEMO, "--day-every", "off", "--rate", "0")
    try:
        again.wait_ready(timeout=120)
        queue = httpx.get(
            f"{again.url}/api/agents/{me['agent_id']}/queue",
            headers=login(again.url, "agent1"),
            timeout=10,
        )
        assert queue.status_code == 200 and queue.json()
        # a child that dies takes the demo down with it, saying which and why
        os.kill(_child(again.process.pid, "api"), signal.SIGKILL)
        code = again.wait(timeout=120)
    finally:
        again.interrupt()
    assert code == CrmError.exit_code, again.output[-5000:]
    assert "api stopped unexpectedly (exit status -9)" in again.output
    assert "processors stopped" in again.output
    assert "reusing" in again.output and "already in this Kafka cluster" in again.output
    assert "web app build is up to date" in again.output
    assert message_count(settings.kafka_brokers, customers_topic) == produced  # nothing ingested again

    # another portfolio in this namespace, or in another namespace sharing these tables, would be mixed into
    # this one: refused before anything is created
    other = ("--customers", "201", "--seed", "5", "--day-every", "off", "--rate", "0")
    database = conninfo_to_dict(settings.database_url)["dbname"]
    for namespace, where in [
        (settings.namespace, f"namespace {settings.namespace} of this Kafka cluster"),
        (f"{settings.namespace}x.", f"of database {database} already"),
    ]:
        refused = start_demo({**env, "CRM_NAMESPACE": namespace}, *other)
        assert refused.wait(timeout=120) == CrmError.exit_code, refused.output[-5000:]
        assert where in refused.output and "topics, schema, indices" not in refused.output
        assert "already holds another demo portfolio, `--customers 200 --seed 5`" in refused.output
    assert not (settings.state_dir / "demo" / f"portfolio-v{GENERATOR_VERSION}-201-5").exists()
    assert message_count(settings.kafka_brokers, customers_topic) == produced


def _child(pid: int, command: str) -> int:
    """The child process of ``pid`` running `crm <command>` (Linux's /proc)."""
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        argv = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
        if argv[2:4] == [b"crm", command.encode()]:
            return int(child)
    raise AssertionError(f"crm demo ({pid}) has no child running `crm {command}`")
