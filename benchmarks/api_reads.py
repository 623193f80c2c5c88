"""Benchmark the API's reads: the customer 360 view and the portfolio dashboard.

    python benchmarks/api_reads.py [--customers 5000] [--requests 400]

A generated portfolio goes through `crm run entities delinquency rollup promises strategy allocation` in a
throw-away namespace (the demo agents and strategy stored and published as the admin API does), so every
table the two endpoints read is filled by the real sinks and the dashboard's aggregates by their triggers.
Then the app runs in-process (httpx over ASGI: no sockets, the whole FastAPI stack) and serves
``--requests`` reads of each endpoint one after another. Reported: p50/p99 of the request as the client
sees it, and of the query function alone (`customer_view`, `portfolio_summary`: the server-side work on one
pooled connection); for comparison, the same bucket figures computed by a scan of `loan_delinquency`.
Needs the local stack (`crm stack up`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
from pathlib import Path

import httpx
import psycopg

from api.app import create_app
from api.queries.customers import VIEW_POSITIONAL, customer_view
from api.queries.dashboard import portfolio_summary
from api.security import Principal, issue_token
from contracts.admin import Role
from crm.generator import generate_portfolio
from crm.generator.strategy import demo_strategy_groups
from crm.ingest import ingest_file
from crm.seed import seed_agents, seed_strategy
from crm.settings import Settings
from infra.kafka_topics import existing_topics
from infra.sandbox import throwaway_namespace
from processors.common.app import consumer_group
from processors.registry import INPUTS
from topics import physical_name
from topics.lag import wait_pipeline_idle

PROCESSORS = ("entities", "delinquency", "rollup", "promises", "strategy", "allocation")
TOPICS = (
    "bank.customers",
    "bank.loans",
    "bank.collaterals",
    "payments",
    "agent.actions",
    "ops.business-date",
)
SCAN = (
    "SELECT bucket, currency, count(*), sum(overdue_amount), sum(outstanding) FROM loan_delinquency"
    " GROUP BY bucket, currency"
)


def _load(settings: Settings, env: dict, customers: int, workdir: Path) -> None:
    portfolio = workdir / "portfolio"
    generate_portfolio(portfolio, customers, 42, days=30, progress=False)
    seed_agents(settings, portfolio / "config.agents.jsonl")
    seed_strategy(settings, demo_strategy_groups())
    for topic in TOPICS:
        assert ingest_file(settings, topic, portfolio / f"{topic}.jsonl").ok, topic
    log = (workdir / "processors.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "crm", "run", *PROCESSORS], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        started = time.perf_counter()
        inputs = {
            consumer_group(settings, name): [physical_name(t, settings) for t in INPUTS[name]]
            for name in PROCESSORS
        }
        rollup = consumer_group(settings, "rollup")
        inputs[rollup] += [t for t in existing_topics(settings) if t.startswith(f"repartition__{rollup}")]
        wait_pipeline_idle(settings.kafka_brokers, inputs, timeout=3600)
        print(
            f"portfolio of {customers:,} customers through {len(PROCESSORS)} processors in "
            f"{time.perf_counter() - started:,.0f} s"
        )
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)


def _percentiles(label: str, seconds: list[float]) -> None:
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    p50 = statistics.median(ordered)
    print(f"{label}: p50 {p50 * 1000:.2f} ms, p99 {p99 * 1000:.2f} ms ({len(ordered)} reads)")


async def _http(settings: Settings, cifs: list[str], requests: int) -> None:
    app = create_app(settings)
    admin_token = issue_token(settings.resolved_jwt_secret(), Principal("bench", Role.ADMIN))
    admin = {"Authorization": f"Bearer {admin_token}"}
    transport = httpx.ASGITransport(app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as http,
    ):
        for _ in range(20):  # warm the pool, the plans and the code paths
            assert (await http.get(f"/api/customers/{cifs[0]}", headers=admin)).status_code == 200
            assert (await http.get("/api/dashboard/portfolio", headers=admin)).status_code == 200
        times = []
        for cif in random.Random(1).choices(cifs, k=requests):
            started = time.perf_counter()
            response = await http.get(f"/api/customers/{cif}", headers=admin)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
        _percentiles("GET /api/customers/{cif} (in-process HTTP, audit row included)", times)
        times = []
        for _ in range(requests):
            started = time.perf_counter()
            response = await http.get("/api/dashboard/portfolio", headers=admin)
            times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.text
        _percentiles("GET /api/dashboard/portfolio (in-process HTTP)", times)


async def _view_direct(settings: Settings, cifs: list[str], requests: int) -> None:
    admin = Principal("bench", Role.ADMIN)
    async with await psycopg.AsyncConnection.connect(settings.database_url, autocommit=True) as conn:
        times = []
        for cif in random.Random(2).choices(cifs, k=requests):
            started = time.perf_counter()
            assert await customer_view(conn, admin, cif) is not None
            times.append(time.perf_counter() - started)
        _percentiles("customer_view() server-side (its statement, audit row + response model)", times)
        # PostgreSQL plans a prepared statement afresh (a custom plan, milliseconds for this one) until a
        # generic plan looks no dearer: which it chose explains a run's figures
        cursor = await conn.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = %s",
            (VIEW_POSITIONAL,),
        )
        plans = await cursor.fetchone()
        if plans:
            print(f"  its plans: {plans[0]:,} generic, {plans[1]:,} custom")


def _direct(settings: Settings, cifs: list[str], requests: int) -> None:
    asyncio.run(_view_direct(settings, cifs, requests))
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        for label, read in (
            ("portfolio_summary() server-side", lambda: portfolio_summary(conn, None)),
            (
                "the bucket figures by a scan of loan_delinquency instead",
                lambda: conn.execute(SCAN).fetchall(),
            ),
        ):
            times = []
            for _ in range(requests):
                started = time.perf_counter()
                read()
                times.append(time.perf_counter() - started)
            _percentiles(label, times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=5_000)
    parser.add_argument("--requests", type=int, default=400)
    args = parser.parse_args()
    base = Settings(jwt_secret="bench-" + uuid.uuid4().hex * 2)
    sandbox = throwaway_namespace(base, f"benchr{uuid.uuid4().hex[:6]}", os.environ)
    with sandbox as (settings, env), tempfile.TemporaryDirectory() as tmp:
        _load(settings, env, args.customers, Path(tmp))
        with psycopg.connect(settings.database_url) as conn:
            # The steady state autovacuum reaches on its own: statistics from mid-load made PostgreSQL's
            # generic plan of the view hash-join whole tables, and a run took 3 ms a view instead of 1.
            conn.execute("ANALYZE")
            cifs = [cif for (cif,) in conn.execute("SELECT DISTINCT cif FROM loans ORDER BY cif")]
            loans, payments, actions = conn.execute(
                "SELECT (SELECT count(*) FROM loans), (SELECT count(*) FROM payments),"
                " (SELECT count(*) FROM actions)"
            ).fetchone()
        print(
            f"{len(cifs):,} customers with loans: {loans:,} loans, {payments:,} payments, {actions:,} actions"
        )
        asyncio.run(_http(settings, cifs, args.requests))
        _direct(settings, cifs, args.requests)
    print(f"machine: {os.cpu_count()} cores; {datetime.now().isoformat(timespec='minutes')}")


if __name__ == "__main__":
    main()
