"""Full re-evaluation and re-allocation: N delinquent customers through strategy → allocation → queues.

    python benchmarks/reevaluation.py [--customers 100000] [--agents 600]

Produces N delinquent customers (`bank.customers` and `delinquency.customers` records) into a throw-away
namespace, publishes agents and the demo strategy the way the admin API does, runs `crm run strategy
allocation queues` and reports: the first pass (every customer evaluated, allocated and queued), then a new
strategy version plus a re-evaluation request until PostgreSQL and Redis are complete again. Needs the
local stack (`crm stack up`).
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

import orjson
import psycopg

from crm.generator.agents import TEAM_EARLY, TEAM_FIELD, TEAM_LATE
from crm.generator.strategy import demo_strategy_groups
from crm.seed import seed_agents, seed_strategy
from crm.settings import Settings
from infra.sandbox import throwaway_namespace
from processors.common.app import consumer_group
from processors.registry import INPUTS
from topics import physical_name
from topics.clients import make_producer
from topics.lag import wait_pipeline_idle

PROCESSORS = ("strategy", "allocation", "queues")
PRODUCTS = ["PERSONAL_LOAN", "CREDIT_CARD", "AUTO_LOAN", "MORTGAGE"]


def customer_records(n: int, rnd: random.Random) -> tuple[bytes, bytes]:
    cif = f"B{n:08d}"
    dpd = rnd.choice([3, 12, 25, 40, 70, 95, 130, 200])
    overdue = rnd.randint(100, 90_000)
    customer = {
        "cif": cif,
        "type": "INDIVIDUAL",
        "name": f"Customer {n}",
        "segment": "MASS",
        "status": "ACTIVE",
        "timezone": "Asia/Ho_Chi_Minh",
        "source_system": "BENCH",
        "updated_at": "2026-03-01T00:00:00+07:00",
        "phones": [{"type": "MOBILE", "number": f"+8490{n:08d}", "is_primary": True, "is_verified": True}],
    }
    product = rnd.choice(PRODUCTS)
    record = {
        "cif": cif,
        "business_date": "2026-03-10",
        "max_dpd": dpd,
        "bucket": "1-29" if dpd < 30 else "30-59",
        "overdue_total": {"VND": str(overdue)},
        "outstanding_total": {"VND": str(overdue * 10)},
        "oldest_unpaid_due": "2026-01-01",
        "loans": 1,
        "loans_delinquent": 1,
        "revision": 1,
        "accounts": [
            {
                "account_number": f"BL{n:08d}",
                "product_type": product,
                "currency": "VND",
                "dpd": dpd,
                "bucket": "30-59",
                "overdue_amount": str(overdue),
                "outstanding": str(overdue * 10),
                "oldest_unpaid_due": "2026-01-01",
                "custom_fields": {},
            }
        ],
    }
    return orjson.dumps(customer), orjson.dumps(record)


def agent_lines(count: int, customers: int) -> bytes:
    capacity = max(10, customers * 2 // count)  # room for everybody, as re-allocation needs
    teams = [(TEAM_EARLY, "CALL"), (TEAM_LATE, "CALL"), (TEAM_FIELD, "FIELD")]
    lines = []
    for n in range(count):
        team, kind = teams[n % 3]
        agent = {
            "agent_id": f"BA{n:05d}",
            "name": f"Agent {n}",
            "team": team,
            "type": kind,
            "capacity": capacity,
        }
        lines.append(orjson.dumps(agent))
    return b"\n".join(lines) + b"\n"


def counts(settings: Settings) -> str:
    import redis

    with psycopg.connect(settings.database_url) as conn:
        strategies = conn.execute(
            "SELECT count(*), max(strategy_version) FROM strategy_assignments"
        ).fetchone()
        allocated = conn.execute(
            "SELECT count(*) FROM agent_assignments WHERE valid_to IS NULL AND agent_id IS NOT NULL"
        ).fetchone()[0]
    client = redis.Redis.from_url(settings.redis_url)
    queued = sum(
        client.zcard(k)
        for k in client.scan_iter(f"{settings.namespace}queue:*", count=1000)
        if not k.endswith(b":entries")
    )
    return (
        f"{strategies[0]:,} evaluated (version {strategies[1]}), {allocated:,} allocated, {queued:,} queued"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--agents", type=int, default=600)
    args = parser.parse_args()
    process = None
    sandbox = throwaway_namespace(Settings(), f"reev{uuid.uuid4().hex[:6]}", os.environ)
    with sandbox as (settings, env), tempfile.TemporaryDirectory() as tmp:
        try:
            agents_file = Path(tmp) / "agents.jsonl"
            agents_file.write_bytes(agent_lines(args.agents, args.customers))
            seed_agents(settings, agents_file)
            seed_strategy(settings, demo_strategy_groups())
            producer = make_producer(settings)
            rnd = random.Random(3)
            customers_topic = physical_name("bank.customers", settings)
            records_topic = physical_name("delinquency.customers", settings)
            for n in range(args.customers):
                customer, record = customer_records(n, rnd)
                key = f"B{n:08d}".encode()
                producer.produce(customers_topic, customer, key)
                producer.produce(records_topic, record, key)
                if n % 10_000 == 0:
                    producer.poll(0)
            producer.flush(120)
            print(f"{args.customers:,} delinquent customers and {args.agents} agents in Kafka")

            started = time.perf_counter()
            process = subprocess.Popen(
                [sys.executable, "-m", "crm", "run", *PROCESSORS],
                env=env,
                stdout=(Path(tmp) / "processors.log").open("w"),
                stderr=subprocess.STDOUT,
            )
            inputs = {
                consumer_group(settings, p): [physical_name(t, settings) for t in INPUTS[p]]
                for p in PROCESSORS
            }
            wait_pipeline_idle(settings.kafka_brokers, inputs, timeout=3600)
            first = time.perf_counter() - started
            print(
                f"first pass: {first:,.1f} s ({args.customers / first:,.0f} customers/s); {counts(settings)}"
            )

            groups = demo_strategy_groups()
            groups[0]["campaigns"][0]["conditions"][0]["value"] = 30  # LATE-CALLS from 30 days instead of 60
            version = seed_strategy(settings, groups)
            from api.publishing import make_api_producer, request_reevaluation

            started = time.perf_counter()
            request_reevaluation(make_api_producer(settings), settings, "default", version)
            wait_pipeline_idle(settings.kafka_brokers, inputs, timeout=3600)
            again = time.perf_counter() - started
            print(
                f"re-evaluation under version {version}: {again:,.1f} s "
                f"({args.customers / again:,.0f} customers/s); {counts(settings)}"
            )
        finally:
            if process is not None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=120)


if __name__ == "__main__":
    main()
