"""Benchmark the queues processor: events/s into Redis, a business-date re-rank, payment → queue latency.

    python benchmarks/queues.py [--customers 100000] [--portfolio-customers 20000] [--samples 50]

1. Throughput: synthetic `bank.customers` (each with a home address), `strategy.assignments`, `assignments`
   (a call agent each, and a field agent for one in five), `delinquency.customers`,
   `agent.actions` and `promises` for ``--customers`` customers (what the other processors would emit),
   produced first; then `crm run queues` until caught up: events/s into Redis, then one business-date
   tick re-ranking every queued customer, then Redis flushed: the time until every partition's queues are
   written again from the state (its 5 s check interval included).
2. Latency, end to end: a generated portfolio of ``--portfolio-customers`` through `crm run delinquency
   rollup queues`, every customer given an agent; then payments that clear a customer's only overdue loan,
   one at a time while other payments arrive at ``--background-rate``/s, each timed from produce until
   the customer has left the agent's sorted set in Redis.

Needs the local stack (`crm stack up`). Everything runs in a throw-away namespace and schema.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zlib
from datetime import date, datetime, timedelta
from pathlib import Path

import orjson
import psycopg
import redis
from processor_run import out_of_step, produce, tick_records

from crm.generator import generate_portfolio
from crm.ingest import ingest_file
from crm.settings import Settings
from crm.simulator import pay_at_rate
from infra.kafka_topics import existing_topics
from infra.sandbox import throwaway_namespace
from processors.queues.layout import delete_all_queues, queue_key
from processors.queues.rebuild import all_written
from processors.registry import INPUTS as PROCESSOR_INPUTS
from topics import physical_name
from topics.clients import make_producer
from topics.lag import wait_caught_up

QUEUE_INPUTS = PROCESSOR_INPUTS["queues"]
DAY = date(2026, 3, 2)
AGENTS = 500


def agent_of(cif: str) -> str:
    return f"AG{zlib.crc32(cif.encode()) % AGENTS:04d}"


def _assignment(cif: str, day: date, agent_type: str = "CALL") -> dict:
    return {
        "cif": cif,
        "agent_type": agent_type,
        "agent_id": agent_of(cif) if agent_type == "CALL" else f"FA{zlib.crc32(cif.encode()) % 50:02d}",
        "team": "T1",
        "campaign_id": "EARLY",
        "reason": "least loaded fitting agent",
        "business_date": day.isoformat(),
    }


def synthetic_events(customers: int, rnd: random.Random):
    """(topic, key, value) for ``customers`` customers, about 4.7 events each."""
    for n in range(customers):
        cif = f"C{n:09d}"
        dpd = rnd.choice([0, 0, 3, 15, 35, 70, 100, 200])
        overdue = f"{rnd.randint(0, 5_000_000) if dpd else rnd.choice([0, 0, 1200])}.00"
        yield (
            "bank.customers",
            cif,
            {
                "cif": cif,
                "type": "INDIVIDUAL",
                "name": f"Customer {n}",
                "segment": "RETAIL",
                "status": "ACTIVE",
                "timezone": rnd.choice(["America/New_York", "Asia/Ho_Chi_Minh", None]),
                # where a field agent goes: in the entries of the one customer in five with a field agent
                "addresses": [
                    {"type": "HOME", "line1": f"{n % 400 + 1} Le Loi", "city": "Hanoi", "country": "VN"},
                ],
                "source_system": "T24",
                "updated_at": "2026-03-01T08:00:00+07:00",
            },
        )
        yield (
            "strategy.assignments",
            cif,
            {
                "cif": cif,
                "strategy_id": "default",
                "strategy_version": 1,
                "business_date": DAY.isoformat(),
                "campaigns": [
                    {
                        "group_id": "G",
                        "campaign_id": "EARLY",
                        "campaign_name": "Early",
                        "reason": "all match",
                        # what the contact rules chose, as the strategy processor writes it (the queue shows
                        # the first)
                        "contacts": [
                            {
                                "channel": "PHONE",
                                "value": f"+84 91 {n:07d}",
                                "type": "MOBILE",
                                "source": "CUSTOMER",
                                "rule": 0,
                                "is_primary": True,
                                "is_verified": True,
                            }
                        ],
                    }
                ],
            },
        )
        yield "assignments", cif, _assignment(cif, DAY)
        if n % 5 == 0:
            yield "assignments", cif, _assignment(cif, DAY, "FIELD")
        yield "delinquency.customers", cif, _delinquency_record(cif, dpd, overdue, DAY)
        for a in range(rnd.choice([0, 0, 1, 2])):
            yield (
                "agent.actions",
                cif,
                {
                    "action_id": f"A{n}-{a}",
                    "cif": cif,
                    "agent_id": agent_of(cif),
                    "type": "CALL",
                    "subtype": "OUTBOUND",
                    "result": rnd.choice(["NO_ANSWER", "LEFT_MESSAGE", "CALLBACK"]),
                    "at": f"2026-03-0{1 + a}T10:0{a}:00+07:00",
                },
            )
        if rnd.random() < 0.1:
            yield (
                "promises",
                cif,
                {
                    "action_id": f"P{n}",
                    "cif": cif,
                    "account_number": None,
                    "agent_id": agent_of(cif),
                    "made_on": "2026-02-01",
                    "date": "2026-02-10",
                    "amount": "100.00",
                    "status": "BROKEN",
                    "paid": "0",
                    "evaluated_on": "2026-02-14",
                },
            )


def _start(names: list[str], env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "crm", "run", *names], env=env, stdout=log.open("w"), stderr=subprocess.STDOUT
    )


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=120)


def _queue_inputs(settings: Settings) -> list[str]:
    return [physical_name(t, settings) for t in QUEUE_INPUTS]


def _delinquency_record(cif: str, dpd: int, overdue: str, day: date) -> dict:
    return {
        "cif": cif,
        "business_date": day.isoformat(),
        "max_dpd": dpd,
        "bucket": "-",
        "overdue_total": {"VND": overdue},
        "outstanding_total": {"VND": "90000000.00"},
        "oldest_unpaid_due": (day - timedelta(days=dpd)).isoformat() if dpd else None,
        "loans": 1,
        "loans_delinquent": 1 if dpd else 0,
        "revision": 2,
        "accounts": [],
    }


def _background_updates(settings: Settings, customers: int, rate: int, stop: threading.Event) -> None:
    """Changed figures of random customers of the first half at ``rate`` per second (samples come from the
    second half, so that the load never re-queues a sampled customer)."""
    producer = make_producer(settings)
    rnd, sent, started = random.Random(3), 0, time.perf_counter()
    topic = physical_name("delinquency.customers", settings)
    while not stop.is_set():
        cif = f"C{rnd.randrange(customers // 2):09d}"
        record = _delinquency_record(cif, rnd.randint(1, 200), f"{rnd.randint(1, 10**6)}.00", DAY)
        producer.produce(topic, orjson.dumps(record), cif.encode())
        sent += 1
        producer.poll(0)
        ahead = sent / rate - (time.perf_counter() - started)
        if ahead > 0:
            time.sleep(ahead)
    producer.flush()


def _removal_latencies(settings, client, customers: int, samples: int, rate: int) -> list[float]:
    """A zero-overdue record (what the roll-up emits after a clearing payment) to the entry's removal."""
    stop = threading.Event()
    load = threading.Thread(target=_background_updates, args=(settings, customers, rate, stop))
    load.start()
    time.sleep(2)
    fast = make_producer(settings, **{"linger.ms": 0})
    topic = physical_name("delinquency.customers", settings)
    times = []
    for n in range(customers - 1, customers // 2, -1):
        if len(times) >= samples:
            break
        cif = f"C{n:09d}"
        key = queue_key(settings.namespace, agent_of(cif))
        if client.zscore(key, cif) is None:
            continue
        out_of_step()
        begun = time.perf_counter()
        fast.produce(topic, orjson.dumps(_delinquency_record(cif, 0, "0", DAY)), cif.encode())
        fast.flush()
        while client.zscore(key, cif) is not None and time.perf_counter() - begun < 10:
            time.sleep(0.002)
        if client.zscore(key, cif) is None:
            times.append(time.perf_counter() - begun)
        else:
            print(f"  {cif} still queued after 10 s")
    stop.set()
    load.join()
    return sorted(times)


def _report(label: str, times: list[float], rate: int) -> None:
    if times:
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        print(
            f"  {label}: p50 {statistics.median(times) * 1000:,.0f} ms, p99 {p99 * 1000:,.0f} ms, "
            f"max {times[-1] * 1000:,.0f} ms ({len(times)} samples, {rate} other events/s)"
        )


def throughput(
    settings: Settings, env: dict, customers: int, samples: int, rate: int, workdir: Path, client: redis.Redis
) -> None:
    producer = make_producer(settings)
    for key, value in tick_records(settings, DAY):
        producer.produce(physical_name("delinquency.ticks", settings), orjson.dumps(value), key.encode())
    events = 0
    for topic, key, value in synthetic_events(customers, random.Random(7)):
        producer.produce(physical_name(topic, settings), orjson.dumps(value), key.encode())
        events += 1
        if events % 50_000 == 0:
            producer.poll(0)
    producer.flush()
    print(f"throughput: {customers:,} customers, {events:,} input events produced")
    group = f"{settings.namespace}crm-queues"
    started = time.perf_counter()
    process = _start(["queues"], env, workdir / "queues.log")
    try:
        wait_caught_up(settings.kafka_brokers, group, _queue_inputs(settings), timeout=3600)
        elapsed = time.perf_counter() - started
        queued = sum(
            client.zcard(key) for key in client.scan_iter(f"{settings.namespace}queue:*", _type="zset")
        )
        print(
            f"  first pass: {elapsed:,.1f} s until caught up (incl. start-up), "
            f"{events / elapsed:,.0f} events/s; {queued:,} customers queued over {AGENTS} agents"
        )
        started = time.perf_counter()
        produce(settings, "delinquency.ticks", tick_records(settings, DAY + timedelta(days=1)))
        wait_caught_up(settings.kafka_brokers, group, _queue_inputs(settings), timeout=3600)
        elapsed = time.perf_counter() - started
        print(
            f"  next business date: {queued:,} entries re-ranked in {elapsed:,.1f} s "
            f"({queued / elapsed:,.0f}/s)"
        )
        elapsed = _rewrite_after_flush(settings, client)
        print(f"  Redis flushed: every partition's queues written again from the state in {elapsed:,.1f} s")
        times = _removal_latencies(settings, client, customers, samples, rate)
        _report("arrears cleared (delinquency.customers) → out of the queue in Redis", times, rate)
    finally:
        _stop(process)


def _rewrite_after_flush(settings: Settings, client: redis.Redis) -> float:
    """Delete the namespace's queues and markers, as a FLUSHDB would, and time until every partition's
    marker says its queues are there again (`processors.queues.rebuild`, within its 5 s check interval)."""
    delete_all_queues(client, settings.namespace)
    started = time.perf_counter()
    while not all_written(client, settings.namespace, settings.topic_partitions):
        time.sleep(0.05)
    return time.perf_counter() - started


def latency(
    settings: Settings, env: dict, customers: int, samples: int, rate: int, workdir: Path, client: redis.Redis
) -> None:
    portfolio = workdir / "portfolio"
    generate_portfolio(portfolio, customers, 42, days=10, progress=False)
    producer = make_producer(settings)
    cifs = [orjson.loads(line)["cif"] for line in (portfolio / "bank.customers.jsonl").open("rb")]
    for cif in cifs:
        producer.produce(
            physical_name("assignments", settings), orjson.dumps(_assignment(cif, DAY)), cif.encode()
        )
    producer.flush()
    for topic in ("bank.customers", "bank.loans", "payments", "agent.actions", "ops.business-date"):
        assert ingest_file(settings, topic, portfolio / f"{topic}.jsonl").ok
    names = ["delinquency", "rollup", "queues"]
    process = _start(names, env, workdir / "pipeline.log")
    try:
        started = time.perf_counter()
        brokers, ns = settings.kafka_brokers, settings.namespace
        delinquency_inputs = [
            physical_name(t, settings) for t in ("bank.loans", "payments", "ops.business-date")
        ]
        wait_caught_up(brokers, f"{ns}crm-delinquency", delinquency_inputs, 1800)
        rollup_inputs = [physical_name("delinquency.loans", settings)]
        rollup_inputs += [
            t for t in existing_topics(settings) if t.startswith(f"repartition__{ns}crm-rollup")
        ]
        wait_caught_up(brokers, f"{ns}crm-rollup", rollup_inputs, 1800)
        wait_caught_up(brokers, f"{ns}crm-queues", _queue_inputs(settings), 1800)
        print(
            f"latency: {customers:,}-customer portfolio through 3 processors in "
            f"{time.perf_counter() - started:,.0f} s"
        )
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            # loans that are their customer's only overdue loan: paying them in full clears the customer
            candidates = conn.execute(
                "SELECT account_number, cif, currency, overdue_amount FROM loan_delinquency l"
                " WHERE overdue_amount > 0 AND NOT EXISTS (SELECT 1 FROM loan_delinquency o"
                " WHERE o.cif = l.cif AND o.account_number <> l.account_number AND o.overdue_amount > 0)"
                " ORDER BY cif"
            ).fetchall()
            accounts = conn.execute("SELECT account_number, currency FROM loan_delinquency").fetchall()
        stop = threading.Event()
        load = threading.Thread(target=pay_at_rate, args=(settings, accounts, rate, stop))
        load.start()
        time.sleep(2)
        fast = make_producer(settings, **{"linger.ms": 0})
        times, missed = [], 0
        for account, cif, currency, overdue in candidates:
            if len(times) + missed >= samples:
                break
            key = queue_key(settings.namespace, agent_of(cif))
            if client.zscore(key, cif) is None:
                continue  # not queued
            out_of_step()
            payment = {
                "reference_number": f"BENCH-{uuid.uuid4().hex}",
                "account_number": account,
                "amount": str(overdue),
                "currency": currency,
                "paid_at": "2027-01-01T10:00:00+07:00",
                "method": "CASH",
                "status": "COMPLETED",
            }
            begun = time.perf_counter()
            fast.produce(physical_name("payments", settings), orjson.dumps(payment), account.encode())
            fast.flush()
            while client.zscore(key, cif) is not None and time.perf_counter() - begun < 10:
                time.sleep(0.002)
            if client.zscore(key, cif) is None:
                times.append(time.perf_counter() - begun)
            else:
                missed += 1
        stop.set()
        load.join()
        times.sort()
        _report("payment → customer out of the queue in Redis (3 processors)", times, rate)
        if missed:
            print(f"  {missed} customers were not removed within 10 s")
    finally:
        _stop(process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000, help="synthetic customers (throughput)")
    parser.add_argument(
        "--portfolio-customers", type=int, default=20_000, help="generated portfolio (latency)"
    )
    parser.add_argument("--samples", type=int, default=50)
    parser.add_argument("--background-rate", type=int, default=500, help="payments/s while sampling latency")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--skip-latency", action="store_true")
    args = parser.parse_args()

    base = Settings()
    client = redis.Redis.from_url(base.redis_url)
    for part, skipped in (("throughput", args.skip_throughput), ("latency", args.skip_latency)):
        if skipped:
            continue
        sandbox = throwaway_namespace(base, f"benchq{uuid.uuid4().hex[:6]}", os.environ)
        with sandbox as (settings, env), tempfile.TemporaryDirectory() as tmp:
            if part == "throughput":
                throughput(
                    settings, env, args.customers, args.samples, args.background_rate, Path(tmp), client
                )
            else:
                latency(
                    settings,
                    env,
                    args.portfolio_customers,
                    args.samples,
                    args.background_rate,
                    Path(tmp),
                    client,
                )
    print(f"machine: {os.cpu_count()} cores; {datetime.now().isoformat(timespec='minutes')}")


if __name__ == "__main__":
    main()
