"""Benchmark the allocation processor: customers' strategy assignments from Kafka to agents in PostgreSQL.

    python benchmarks/allocation.py [--customers 100000] [--teams 4] [--agents-per-team 50]

Publishes agents to `config.agents` and one `strategy.assignments` record per customer (as the strategy
processor would) into a throw-away namespace, runs `crm run allocation` as its own process and reports:
events/s from start until every request is allocated and written to `agent_assignments`; a re-evaluation
(every customer again under a new strategy version: the stickiness path); and the reallocation after a tenth
of the agents is deactivated at once. Needs the local stack (`crm stack up`).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
from processor_run import produce

from crm.procstat import cpu_seconds, peak_rss_mb
from crm.settings import Settings
from infra.sandbox import throwaway_namespace
from processors.common.app import consumer_group
from topics import physical_name
from topics.lag import wait_caught_up

PRODUCTS = ["PERSONAL_LOAN", "MORTGAGE", "AUTO_LOAN", "CREDIT_CARD", "OVERDRAFT"]
BUCKETS = ["1-29", "30-59", "60-89", "90-119"]


def agents(teams: int, per_team: int, capacity: int) -> list[dict]:
    """Call agents, and a field agent in five; one agent in four is a specialist of two products."""
    rnd = random.Random(7)
    out = []
    for t in range(teams):
        for n in range(per_team):
            out.append(
                {
                    "agent_id": f"AG{t:02d}{n:04d}",
                    "name": f"Agent {t}-{n}",
                    "team": f"TEAM{t}",
                    "type": "FIELD" if n % 5 == 4 else "CALL",
                    "skills": {
                        "products": rnd.sample(PRODUCTS, 2) if n % 4 == 0 else [],
                        "buckets": [],
                        "languages": [],
                    },
                    "capacity": capacity,
                    "active": True,
                }
            )
    return out


def assignment(n: int, teams: int, version: int, rnd: random.Random) -> dict:
    team = f"TEAM{n % teams}"
    campaigns = [
        {
            "group_id": "CALLS",
            "campaign_id": f"CALL_{team}",
            "campaign_name": "Calls",
            "reason": "bucket",
            "team": team,
            "agent_type": "CALL",
        }
    ]
    if (n // teams) % 10 == 0:  # one customer in ten also gets a field visit
        campaigns.append(
            {
                "group_id": "VISITS",
                "campaign_id": f"VISIT_{team}",
                "campaign_name": "Visits",
                "reason": "bucket",
                "team": team,
                "agent_type": "FIELD",
            }
        )
    return {
        "cif": f"CIF{n:08d}",
        "strategy_id": "default",
        "strategy_version": version,
        "business_date": "2026-03-02",
        "campaigns": campaigns,
        "products": [rnd.choice(PRODUCTS)],
        "bucket": rnd.choice(BUCKETS),
        "language": "vi",
        "delinquent": True,
    }


def _current(settings: Settings) -> tuple[int, int, int]:
    """(history rows, current rows with an agent, current rows waiting for one)."""
    with psycopg.connect(settings.database_url) as conn:
        return conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE valid_to IS NULL AND agent_id IS NOT NULL),"
            " count(*) FILTER (WHERE valid_to IS NULL AND agent_id IS NULL) FROM agent_assignments"
        ).fetchone()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--teams", type=int, default=4)
    parser.add_argument("--agents-per-team", type=int, default=50)
    parser.add_argument("--capacity", type=int, help="per agent; default: room for about 110% of the need")
    args = parser.parse_args()
    needs = args.customers * 1.1  # a call agent per customer, a field agent for one in ten
    capacity = args.capacity or int(needs * 1.1 / (args.teams * args.agents_per_team)) + 1

    with throwaway_namespace(Settings(), f"bench{uuid.uuid4().hex[:6]}", os.environ) as (settings, env):
        run(args, settings, env, needs, capacity)


def run(args, settings: Settings, env: dict[str, str], needs: float, capacity: int) -> None:
    group = consumer_group(settings, "allocation")
    inputs = [physical_name(t, settings) for t in ("strategy.assignments", "config.agents")]
    requests = [physical_name("allocation.requests", settings)]
    process = None

    def settle(timeout: float = 3600) -> float:
        started = time.perf_counter()
        wait_caught_up(settings.kafka_brokers, group, inputs, timeout)
        wait_caught_up(settings.kafka_brokers, group, requests, timeout)
        return time.perf_counter() - started

    try:
        with tempfile.TemporaryDirectory() as tmp:
            roster = agents(args.teams, args.agents_per_team, capacity)
            produce(settings, "config.agents", [(a["agent_id"], a) for a in roster])
            rnd = random.Random(42)
            records = [assignment(n, args.teams, 1, rnd) for n in range(args.customers)]
            produce(settings, "strategy.assignments", [(r["cif"], r) for r in records])
            events = len(roster) + len(records)
            print(
                f"{args.customers:,} customers ({int(needs):,} agent needs), {len(roster):,} agents in "
                f"{args.teams} teams, capacity {capacity} each; {events:,} input events"
            )

            log = Path(tmp) / "processor.log"
            started = time.perf_counter()
            process = subprocess.Popen(
                [sys.executable, "-m", "crm", "run", "allocation"],
                env=env,
                stdout=log.open("w"),
                stderr=subprocess.STDOUT,
            )
            settle()
            elapsed = time.perf_counter() - started
            rows, assigned, waiting = _current(settings)
            print(
                f"first allocation: {elapsed:,.1f} s incl. start-up, {events / elapsed:,.0f} input events/s, "
                f"{rows / elapsed:,.0f} assignments/s; {assigned:,} with an agent, {waiting:,} waiting; "
                f"CPU {cpu_seconds(process.pid):,.0f} s on {os.cpu_count()} cores"
            )

            again = [assignment(n, args.teams, 2, random.Random(n)) for n in range(args.customers)]
            for record, before in zip(again, records, strict=True):  # same facts, new strategy version
                record.update(products=before["products"], bucket=before["bucket"])
            started = time.perf_counter()
            produce(settings, "strategy.assignments", [(r["cif"], r) for r in again])
            settle()
            elapsed = time.perf_counter() - started
            after, _, _ = _current(settings)
            print(
                f"re-evaluation under a new version: {elapsed:,.1f} s, "
                f"{args.customers / elapsed:,.0f} events/s, {after - rows:,} new history rows (stickiness)"
            )

            leaving = [{**a, "active": False} for a in roster[::10]]
            started = time.perf_counter()
            produce(settings, "config.agents", [(a["agent_id"], a) for a in leaving])
            settle()
            elapsed = time.perf_counter() - started
            final, assigned, waiting = _current(settings)
            print(
                f"deactivating {len(leaving)} agents: {final - after:,} customers reallocated in "
                f"{elapsed:,.1f} s ({(final - after) / elapsed:,.0f}/s); "
                f"{assigned:,} with an agent, {waiting:,} waiting"
            )
            print(f"processor peak RSS {peak_rss_mb(process.pid):,.0f} MB")
    finally:
        if process is not None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)


if __name__ == "__main__":
    main()
