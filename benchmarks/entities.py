"""Benchmark the entities processor: the bank's customers, loans (with their schedules), collateral and
payments from Kafka into PostgreSQL.

    python benchmarks/entities.py [--customers 20000] [--seed 5]

Generates a portfolio (`crm.generator`, as `crm bench` does), ingests its four entity topics into a
throw-away namespace, runs `crm run entities` as its own process and reports events/s and rows/s until every
message is written, then the same loans again (a bank re-sending its snapshots: every schedule is replaced,
the redelivery path). The processor's CPU seconds and peak memory, and PostgreSQL's CPU seconds over the
same time, say where the time goes: the loans' installments are most of the rows. Needs the local stack
(`crm stack up`).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

from crm.generator import generate_portfolio
from crm.ingest import ingest_file
from crm.procstat import cpu_seconds, cpu_seconds_by_pid, peak_rss_mb
from crm.settings import Settings
from infra.sandbox import throwaway_namespace
from processors.common.app import consumer_group
from topics import physical_name
from topics.lag import wait_caught_up

TOPICS = ("bank.customers", "bank.loans", "bank.collaterals", "payments")
TABLES = ("customers", "loans", "installments", "collaterals", "collateral_loans", "payments")


def _counts(settings: Settings) -> dict[str, int]:
    with psycopg.connect(settings.database_url) as conn:
        return {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES}


def postgres_cpu_seconds() -> float:
    """CPU seconds so far of every PostgreSQL process on this machine (the sink's backend among them)."""
    return sum(cpu_seconds_by_pid("postgres").values())


def _ingest(settings: Settings, folder: Path, topics: tuple[str, ...]) -> int:
    produced = 0
    for topic in topics:
        report = ingest_file(settings, topic, folder / f"{topic}.jsonl")
        assert report.ok, f"{topic}: {report}"
        produced += report.produced
    return produced


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    with throwaway_namespace(Settings(), f"bench{uuid.uuid4().hex[:6]}", os.environ) as (settings, env):
        run(args, settings, env)


def _process(settings: Settings, env: dict[str, str], log: Path) -> tuple[float, float, float, float]:
    """Run `crm run entities` until it has consumed every entity topic, then stop it: (seconds including its
    start-up, its CPU seconds, PostgreSQL's CPU seconds meanwhile, its peak RSS in MB)."""
    group = consumer_group(settings, "entities")
    inputs = [physical_name(t, settings) for t in TOPICS]
    pg_before, started = postgres_cpu_seconds(), time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "crm", "run", "entities"],
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_caught_up(settings.kafka_brokers, group, inputs, timeout=3600)
        elapsed = time.perf_counter() - started
        return elapsed, cpu_seconds(process.pid), postgres_cpu_seconds() - pg_before, peak_rss_mb(process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def run(args, settings: Settings, env: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        generate_portfolio(folder, args.customers, args.seed, workers=1, progress=False, days=1)
        events = _ingest(settings, folder, TOPICS)
        print(f"{args.customers:,} customers: {events:,} entity events ingested")

        elapsed, cpu, pg_cpu, rss = _process(settings, env, folder / "processor.log")
        counts = _counts(settings)
        tables = ", ".join(f"{table} {n:,}" for table, n in counts.items())
        print(
            f"first load: {elapsed:,.1f} s incl. start-up, {events / elapsed:,.0f} events/s, "
            f"{sum(counts.values()) / elapsed:,.0f} rows/s ({tables}); "
            f"CPU: processor {cpu:,.0f} s, PostgreSQL {pg_cpu:,.0f} s; processor peak RSS {rss:,.0f} MB"
        )

        loans = _ingest(settings, folder, ("bank.loans",))
        elapsed, cpu, pg_cpu, rss = _process(settings, env, folder / "processor.log")
        assert _counts(settings) == counts, "a redelivery changed the row counts"
        print(
            f"the same {loans:,} loans again (every schedule replaced): {elapsed:,.1f} s incl. start-up, "
            f"{loans / elapsed:,.0f} loans/s, {counts['installments'] / elapsed:,.0f} installments/s; "
            f"CPU: processor {cpu:,.0f} s, PostgreSQL {pg_cpu:,.0f} s; processor peak RSS {rss:,.0f} MB"
        )


if __name__ == "__main__":
    main()
