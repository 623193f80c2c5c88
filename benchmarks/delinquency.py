"""Benchmark the delinquency processor: a generated portfolio from Kafka to PostgreSQL.

    python benchmarks/delinquency.py [--customers 50000] [--days 30]

Ingests loans, payments and the business dates into a throw-away namespace, runs `crm run delinquency`
as its own process and reports: events/s until caught up, the wall time, the processor's peak memory, the
time of one more business-date tick over the whole book, the bank's next snapshot of every loan (a day
later: each replaces its loan's schedule), and the latency of single payments from produce to their
updated row in PostgreSQL. Needs the local stack (`crm stack up`).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import orjson
import psycopg
from processor_run import out_of_step

from crm.generator import generate_portfolio
from crm.ingest import ingest_file
from crm.procstat import cpu_seconds, peak_rss_mb
from crm.settings import Settings
from crm.simulator import pay_at_rate
from infra.sandbox import throwaway_namespace
from topics import physical_name
from topics.clients import make_producer
from topics.lag import wait_caught_up

INPUTS = ("bank.loans", "payments", "ops.business-date", "delinquency.ticks")


def _tick_seconds(log: Path, day: date) -> float:
    """The slowest partition's rule evaluation for the tick of ``day``, from the processor's log (a large
    tick is worked off a chunk per message: its lines are added up per partition)."""
    per_partition: dict[str, float] = defaultdict(float)
    for line in log.read_text().splitlines():
        chunk = "business date reached" in line or "loans aged towards the business date" in line
        if chunk and f"date={day.isoformat()}" in line:
            partition = line.split("partition=", 1)[1].split()[0]
            per_partition[partition] += float(line.rsplit("seconds=", 1)[1])
    return max(per_partition.values(), default=0.0)


def _next_snapshots(portfolio: Path) -> Path:
    """The generated loans again as of a day later (a bank re-sending its daily snapshot): each replaces
    its loan's schedule, the payments made since kept."""
    resent = portfolio / "bank.loans.next.jsonl"
    with (portfolio / "bank.loans.jsonl").open("rb") as lines, resent.open("wb") as out:
        for line in lines:
            loan = orjson.loads(line)
            loan["as_of"] = (datetime.fromisoformat(loan["as_of"]) + timedelta(days=1)).isoformat()
            out.write(orjson.dumps(loan) + b"\n")
    return resent


def _payment_latencies(settings: Settings, count: int, background_rate: int) -> list[float]:
    """Pay a little on delinquent loans, one at a time, timing each until its loan's row changes, while
    other payments arrive at ``background_rate`` per second."""
    producer = make_producer(settings, **{"linger.ms": 0})
    latencies = []
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        others = conn.execute("SELECT account_number, currency FROM loan_delinquency").fetchall()
        stop = threading.Event()
        load = threading.Thread(target=pay_at_rate, args=(settings, others, background_rate, stop))
        if background_rate:
            load.start()
            time.sleep(2)
        loans = conn.execute(
            "SELECT account_number, currency, revision FROM loan_delinquency WHERE overdue_amount > 100"
            " ORDER BY account_number LIMIT %s",
            (count,),
        ).fetchall()
        for account, currency, before in loans:
            out_of_step()
            payment = {
                "reference_number": f"BENCH-{uuid.uuid4().hex}",
                "account_number": account,
                "amount": "1.00",
                "currency": currency,
                "paid_at": "2027-01-01T10:00:00+07:00",
                "method": "CASH",
                "status": "COMPLETED",
            }
            started = time.perf_counter()
            producer.produce(physical_name("payments", settings), orjson.dumps(payment), account.encode())
            producer.flush()
            while time.perf_counter() - started < 10:
                row = conn.execute(
                    "SELECT revision FROM loan_delinquency WHERE account_number = %s", (account,)
                ).fetchone()
                if row[0] != before:
                    latencies.append(time.perf_counter() - started)
                    break
                time.sleep(0.005)
        stop.set()
        if background_rate:
            load.join()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--latency-samples", type=int, default=50)
    parser.add_argument("--background-rate", type=int, default=500, help="payments/s while sampling latency")
    parser.add_argument("--instances", type=int, default=1, help="processor processes sharing the work")
    parser.add_argument("--profile", type=Path, help="record the processor with py-spy into this SVG")
    args = parser.parse_args()

    processes: list[subprocess.Popen] = []
    sandbox = throwaway_namespace(Settings(), f"bench{uuid.uuid4().hex[:6]}", os.environ)
    with sandbox as (settings, env), tempfile.TemporaryDirectory() as tmp:
        namespace = settings.namespace
        try:
            portfolio = Path(tmp)
            generate_portfolio(portfolio, args.customers, 42, days=args.days, progress=False)
            events = 0
            for topic in ("bank.loans", "payments", "ops.business-date"):
                report = ingest_file(settings, topic, portfolio / f"{topic}.jsonl")
                events += report.produced
            loans = sum(1 for _ in (portfolio / "bank.loans.jsonl").open("rb"))
            print(f"portfolio: {args.customers:,} customers, {loans:,} loans, {events:,} input events")

            started = time.perf_counter()
            processes = [
                subprocess.Popen(
                    [sys.executable, "-m", "crm", "run", "delinquency"],
                    env=env,
                    stdout=(portfolio / f"processor-{n}.log").open("w"),
                    stderr=subprocess.STDOUT,
                )
                for n in range(args.instances)
            ]
            if args.profile:  # sampled, so it slows the processor only a little; written on SIGINT
                profiler = subprocess.Popen(
                    ["py-spy", "record", "--subprocesses", "--format", "raw", "--pid", str(processes[0].pid)]
                    + ["-o", str(args.profile)]
                )
            group = f"{namespace}crm-delinquency"
            inputs = [physical_name(t, settings) for t in INPUTS]
            wait_caught_up(settings.kafka_brokers, group, inputs, timeout=3600)
            elapsed = time.perf_counter() - started
            rate = events / elapsed
            if args.profile:
                profiler.send_signal(signal.SIGINT)
                profiler.wait(timeout=60)
            print(f"first pass: {elapsed:,.1f} s to caught up, {rate:,.0f} events/s (incl. start-up)")
            cpu = ", ".join(f"{cpu_seconds(p.pid):,.0f} s" for p in processes)
            print(
                f"processor CPU time in the first pass: {cpu} (wall {elapsed:,.0f} s, {os.cpu_count()} cores)"
            )

            next_day = date.fromisoformat(
                orjson.loads((portfolio / "ops.business-date.jsonl").read_bytes().splitlines()[-1])["date"]
            ) + timedelta(days=1)
            tick = make_producer(settings)
            started = time.perf_counter()
            tick.produce(
                physical_name("ops.business-date", settings),
                orjson.dumps({"date": next_day.isoformat()}),
                b"MAIN",
            )
            tick.flush()
            wait_caught_up(settings.kafka_brokers, group, inputs, timeout=600)
            end_to_end = time.perf_counter() - started
            evaluation = max(
                _tick_seconds(portfolio / f"processor-{n}.log", next_day) for n in range(args.instances)
            )
            print(
                f"one business-date tick over {loans:,} loans: rules {evaluation:.2f} s (slowest partition); "
                f"{end_to_end:,.1f} s from produce until the lag probe saw every partition done"
            )

            resent = _next_snapshots(portfolio)
            started, before = time.perf_counter(), [cpu_seconds(p.pid) for p in processes]
            assert ingest_file(settings, "bank.loans", resent).ok
            wait_caught_up(settings.kafka_brokers, group, inputs, timeout=3600)
            elapsed = time.perf_counter() - started
            cpu = sum(cpu_seconds(p.pid) for p in processes) - sum(before)
            print(
                f"the bank's next snapshot of every loan: {loans:,} in {elapsed:,.1f} s from the first "
                f"produce, {loans / elapsed:,.0f} loans/s; processor CPU {cpu:,.0f} s"
            )

            latencies = sorted(_payment_latencies(settings, args.latency_samples, args.background_rate))
            if latencies:
                p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
                print(
                    f"payment → PostgreSQL row: p50 {statistics.median(latencies) * 1000:,.0f} ms, "
                    f"p99 {p99 * 1000:,.0f} ms ({len(latencies)} samples, "
                    f"{args.background_rate} other payments/s)"
                )
            for n in range(args.instances):  # how the partitions were shared, for the record
                log_text = (portfolio / f"processor-{n}.log").read_text().splitlines()
                assigned = [line for line in log_text if "assign" in line.lower() or "revok" in line.lower()]
                print(f"processor {n}: " + (" | ".join(assigned[-4:]) or "no assignment logged")[:600])
            peaks = ", ".join(f"{peak_rss_mb(p.pid):,.0f} MB" for p in processes)
            print(f"processor peak RSS: {peaks}")
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                process.wait(timeout=60)


if __name__ == "__main__":
    main()
