"""The whole collections pipeline on a generated portfolio: delinquency → roll-up → promises → strategy →
allocation → queues, through real Kafka into PostgreSQL and Redis, under the demo strategy and agents as
the admin API stores and publishes them. Then a payment that clears a queued customer's arrears takes them
out of their agent's queue."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import orjson
import psycopg
import pytest
import redis

from crm.generator.strategy import demo_strategy_groups
from crm.ingest import ingest_file
from crm.seed import seed_agents, seed_strategy
from processors.queues.read import queue_length, read_queue
from tests.pipeline_helpers import wait_idle
from tests.services import initialized_namespace
from topics import physical_name
from topics.clients import make_producer

pytestmark = pytest.mark.integration
PROCESSORS = ("delinquency", "rollup", "promises", "strategy", "allocation", "queues")


@pytest.fixture(scope="module")
def pipeline(service_addresses, run_id, cli_env, tmp_path_factory):
    from crm.generator import generate_portfolio

    portfolio = tmp_path_factory.mktemp("pipeline")
    generate_portfolio(portfolio, 400, 7, workers=1, progress=False, days=20)
    with initialized_namespace(service_addresses, f"p{run_id}", cli_env) as (settings, env):
        seed_agents(settings, portfolio / "config.agents.jsonl")
        seed_strategy(settings, demo_strategy_groups())
        for topic in ("bank.customers", "bank.loans", "payments", "agent.actions", "ops.business-date"):
            assert ingest_file(settings, topic, portfolio / f"{topic}.jsonl").ok
        process = subprocess.Popen(
            [sys.executable, "-m", "crm", "run", *PROCESSORS],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            wait_idle(settings, PROCESSORS, timeout=420)
            yield settings, portfolio, process
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=90)
        assert process.returncode == 0, output[-3000:]


def _redis(settings) -> redis.Redis:
    return redis.Redis.from_url(settings.redis_url)


def _agents(portfolio: Path) -> dict[str, dict]:
    lines = (portfolio / "config.agents.jsonl").read_bytes().splitlines()
    return {a["agent_id"]: a for a in map(orjson.loads, lines)}


def test_delinquent_customers_are_in_campaigns_with_agents_within_capacity(pipeline):
    settings, portfolio, _ = pipeline
    agents = _agents(portfolio)
    with psycopg.connect(settings.database_url) as conn:
        delinquent = {
            cif
            for (cif,) in conn.execute("SELECT cif FROM customer_delinquency WHERE max_dpd > 0").fetchall()
        }
        in_campaigns = dict(conn.execute("SELECT cif, campaign_ids FROM strategy_assignments").fetchall())
        current = conn.execute(
            "SELECT cif, agent_type, agent_id FROM agent_assignments WHERE valid_to IS NULL"
        ).fetchall()
    assert delinquent and {cif for cif, ids in in_campaigns.items() if ids} == delinquent
    call_campaigns = {"LATE-CALLS", "BROKEN-PROMISES", "EARLY-CALLS"}
    needing_a_caller = {cif for cif, ids in in_campaigns.items() if call_campaigns & set(ids)}
    with_a_caller = {cif for cif, kind, agent in current if kind == "CALL" and agent}
    assert with_a_caller and with_a_caller <= needing_a_caller
    load: dict[str, int] = {}
    for _cif, _kind, agent in current:
        if agent:
            load[agent] = load.get(agent, 0) + 1
    assert all(load[a] <= agents[a]["capacity"] and agents[a]["active"] for a in load)


def test_each_agents_queue_holds_their_customers_in_priority_order(pipeline):
    settings, _, _ = pipeline
    client = _redis(settings)
    with psycopg.connect(settings.database_url) as conn:
        assigned = conn.execute(
            "SELECT a.agent_id, a.cif FROM agent_assignments a JOIN customer_delinquency d USING (cif)"
            " WHERE a.valid_to IS NULL AND a.agent_id IS NOT NULL"
            " AND EXISTS (SELECT 1 FROM jsonb_each_text(d.overdue_total) t WHERE t.value::numeric > 0)"
        ).fetchall()
    by_agent: dict[str, set] = {}
    for agent, cif in assigned:
        by_agent.setdefault(agent, set()).add(cif)
    assert by_agent
    now = datetime.now(UTC)
    for agent, cifs in by_agent.items():
        entries = read_queue(client, settings.namespace, agent, now, limit=10_000)
        assert {e["cif"] for e in entries} == cifs, agent
        priorities = [e["priority"] for e in entries]
        assert priorities == sorted(priorities, reverse=True) and all(e["reason"] for e in entries)
        assert queue_length(client, settings.namespace, agent) == len(cifs)


def test_a_payment_that_clears_the_arrears_takes_the_customer_out_of_the_queue(pipeline):
    settings, _, _ = pipeline
    client = _redis(settings)
    with psycopg.connect(settings.database_url) as conn:
        agent, cif = conn.execute(
            "SELECT a.agent_id, a.cif FROM agent_assignments a JOIN customer_delinquency d USING (cif)"
            " WHERE a.valid_to IS NULL AND a.agent_id IS NOT NULL AND d.loans = 1 AND d.max_dpd > 0"
            " ORDER BY a.cif LIMIT 1"
        ).fetchone()
        account, currency, overdue = conn.execute(
            "SELECT account_number, currency, overdue_amount FROM loan_delinquency WHERE cif = %s", (cif,)
        ).fetchone()
    assert cif in {e["cif"] for e in read_queue(client, settings.namespace, agent, datetime.now(UTC), 10_000)}
    payment = {
        "reference_number": f"PIPE-{cif}",
        "account_number": account,
        "amount": str(Decimal(overdue)),
        "currency": currency,
        "paid_at": "2030-01-01T10:00:00+00:00",
        "method": "BANK_TRANSFER",
        "status": "COMPLETED",
    }
    producer = make_producer(settings, **{"linger.ms": 0})
    started = time.perf_counter()
    producer.produce(physical_name("payments", settings), orjson.dumps(payment), account.encode())
    producer.flush(10)
    while time.perf_counter() - started < 30:
        queued = {e["cif"] for e in read_queue(client, settings.namespace, agent, datetime.now(UTC), 10_000)}
        if cif not in queued:
            break
        time.sleep(0.02)
    else:
        pytest.fail(f"{cif} is still in {agent}'s queue 30 s after paying its arrears")
