"""Benchmark customer search: indexing through the search processor, then query latency.

    python benchmarks/search.py [--customers 20000] [--queries 800]

1. Indexing: ``--customers`` generated customers (`crm.generator`: Vietnamese and foreign names, phones,
   emails, national ids), one `delinquency.customers` record and a call agent each (a field agent for one in
   five), produced first; then `crm run search` until its group has caught up and the index holds every
   customer: events/s and customers/s including start-up, and the index's size.
2. Queries: ``--queries`` searches through `api.queries.search.search_customers` (the endpoint's function,
   Elasticsearch over HTTP, no web server), one at a time, of each kind (a name typed as prefixes without
   accents, a full accented name, the last 6 digits of a phone, a national id, a cif, an account number, an
   email, a street address's line, and that line with its last word begun, which is asked again by address
   prefix, a name's last word with a phone number, and with an account number), as an admin, an agent and a
   team supervisor in turn: p50/p99 per kind and overall.

Needs the local stack (`crm stack up`). Everything runs in a throw-away namespace and schema.
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
from datetime import date, timedelta
from pathlib import Path

import orjson
from elasticsearch import Elasticsearch

from api.queries.search import LatestDates, SearchRequest, search_customers
from api.search_client import SearchClient
from api.visibility import Scope
from crm.generator.customers import customer
from crm.settings import Settings
from domain.buckets import bucket
from infra.sandbox import throwaway_namespace
from processors.common.app import consumer_group
from processors.registry import INPUTS as PROCESSOR_INPUTS
from processors.search.documents import INDEX, digits, words
from topics import physical_name
from topics.clients import make_producer
from topics.lag import wait_caught_up

DAY = date(2026, 3, 2)
AGENTS, TEAMS = 500, 20


def agent_of(n: int) -> tuple[str, str]:
    agent = n % AGENTS
    return f"AG{agent:04d}", f"TEAM-{agent % TEAMS:02d}"


def synthetic_events(customers: int, rnd: random.Random):
    """(topic, key, value) for ``customers`` customers, about 3.2 events each; and what queries can use."""
    for n in range(customers):
        record = customer(rnd, n, DAY, range(max(0, n - 50), n + 50))
        cif = record["cif"]
        yield "bank.customers", cif, record
        dpd = rnd.choice([0, 0, 3, 15, 35, 70, 100, 200])
        accounts = [f"LN{n:09d}-{k}" for k in range(rnd.choice([1, 1, 2, 3]))]
        yield (
            "delinquency.customers",
            cif,
            {
                "cif": cif,
                "business_date": DAY.isoformat(),
                "max_dpd": dpd,
                "bucket": bucket(dpd),
                "overdue_total": {"VND": f"{rnd.randint(1, 5_000_000) if dpd else 0}.00"},
                "outstanding_total": {"VND": "90000000.00"},
                "oldest_unpaid_due": (DAY - timedelta(days=dpd)).isoformat() if dpd else None,
                "loans": len(accounts),
                "loans_delinquent": 1 if dpd else 0,
                "revision": 1,
                "accounts": [
                    {
                        "account_number": account,
                        "product_type": "PERSONAL_LOAN",
                        "currency": "VND",
                        "dpd": dpd,
                        "bucket": bucket(dpd),
                        "overdue_amount": "0",
                        "outstanding": "1000.00",
                        "oldest_unpaid_due": None,
                    }
                    for account in accounts
                ],
            },
        )
        for agent_type in ("CALL", "FIELD") if rnd.random() < 0.2 else ("CALL",):
            agent, team = agent_of(n if agent_type == "CALL" else n + 7)
            yield (
                "assignments",
                cif,
                {
                    "cif": cif,
                    "agent_type": agent_type,
                    "agent_id": agent,
                    "team": team,
                    "campaign_id": "EARLY",
                    "reason": "least loaded fitting agent",
                    "business_date": DAY.isoformat(),
                },
            )


def _begun(line: str) -> str | None:
    """The line with its last word cut to two letters, as typed before it is finished; None when it is no
    longer than that."""
    *head, last = line.split()
    return " ".join([*head, last[:2]]) if head and len(last) > 2 else None


def _queries(records: list[dict], accounts: dict[str, str], count: int, rnd: random.Random):
    """(kind, text) pairs taken from indexed customers."""
    makers = {
        "name prefixes": lambda r: " ".join(word[:4] for word in words(r["name"])[:2]),
        "full name": lambda r: r["name"],
        "phone, last 6 digits": lambda r: digits(r["phones"][0]["number"])[-6:],
        "national id": lambda r: r.get("national_id") or r.get("registration_number"),
        "cif": lambda r: r["cif"].lower(),
        "account number": lambda r: accounts[r["cif"]],
        "email": lambda r: r["emails"][0]["address"] if r["emails"] else None,
        "street": lambda r: r["addresses"][0]["line1"] if r["addresses"] else None,  # "27 Nguyễn Huệ"
        # "27 Nguyễn Hu": nothing matches it whole, so it is asked again by address prefix
        "street, last word begun": lambda r: _begun(r["addresses"][0]["line1"]) if r["addresses"] else None,
        # a name typed with a number or an identifier: both must be the same customer's
        "name and phone": lambda r: r["phones"] and f"{words(r['name'])[-1]} {r['phones'][0]['number']}",
        "name and account": lambda r: f"{words(r['name'])[-1]} {accounts[r['cif']]}",
    }
    kinds = list(makers)
    made = []
    while len(made) < count:
        kind = kinds[len(made) % len(kinds)]
        text = makers[kind](rnd.choice(records))
        if text:
            made.append((kind, text))
    return made


async def _time_queries(settings: Settings, queries: list[tuple[str, str]]) -> dict[str, list[float]]:
    scopes = [Scope(), Scope(agent_id="AG0042"), Scope(team="TEAM-03")]
    times: dict[str, list[float]] = {}
    totals: dict[str, list[int]] = {}
    http = SearchClient(settings.elasticsearch_url, timeout_s=10, connections=1)  # the API's own client
    latest_dates = LatestDates()  # as in a worker: the latest business date asked once a second
    try:
        for _ in range(20):  # warm-up: connections, caches
            await search_customers(http, latest_dates, settings.namespace, SearchRequest(q="nguyen"), Scope())
        kinds = len({kind for kind, _text in queries})
        for n, (kind, text) in enumerate(queries):
            # one role per round of kinds, the next role the next round: each kind is asked by all three
            # (by query, a number of kinds divisible by three gave each kind one role only)
            scope = scopes[(n // kinds) % 3]
            started = time.perf_counter()
            request = SearchRequest(q=text)
            results = await search_customers(http, latest_dates, settings.namespace, request, scope)
            times.setdefault(kind, []).append(time.perf_counter() - started)
            totals.setdefault(kind, []).append(results.total)
    finally:
        await http.aclose()
    for kind, counts in totals.items():
        times[kind].sort()
        print(
            f"  {kind}: {statistics.mean(counts):,.1f} matches per query (admin, agent, supervisor in turn)"
        )
    return times


def _percentiles(times: list[float]) -> str:
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    return f"p50 {statistics.median(times) * 1000:.1f} ms, p99 {p99 * 1000:.1f} ms ({len(times)} queries)"


def benchmark(settings: Settings, env: dict, customers: int, queries: int, workdir: Path) -> None:
    producer = make_producer(settings)
    rnd = random.Random(11)
    records, accounts, events = [], {}, 0
    for topic, key, value in synthetic_events(customers, rnd):
        producer.produce(physical_name(topic, settings), orjson.dumps(value), key.encode())
        events += 1
        if topic == "bank.customers":
            records.append(value)
        elif topic == "delinquency.customers":
            accounts[key] = value["accounts"][0]["account_number"]
        if events % 50_000 == 0:
            producer.poll(0)
    producer.flush()
    print(f"indexing: {customers:,} customers, {events:,} input events produced")
    es = Elasticsearch(settings.elasticsearch_url, request_timeout=60)
    alias = f"{settings.namespace}{INDEX}"
    topics = [physical_name(t, settings) for t in PROCESSOR_INPUTS["search"]]
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "crm", "run", "search"],
        env=env,
        stdout=(workdir / "search.log").open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_caught_up(settings.kafka_brokers, consumer_group(settings, "search"), topics, timeout=3600)
        while True:
            es.indices.refresh(index=alias)
            if es.count(index=alias)["count"] >= customers:
                break
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
        print(
            f"  {elapsed:,.1f} s until every customer is searchable (incl. start-up): "
            f"{events / elapsed:,.0f} events/s, {customers / elapsed:,.0f} customers/s"
        )
        es.indices.forcemerge(index=alias, max_num_segments=1)
        size = es.indices.stats(index=alias, metric="store")["_all"]["primaries"]["store"]["size_in_bytes"]
        print(f"  index size: {size / 2**20:,.1f} MiB merged ({size / customers:,.0f} B per customer)")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)
    print(f"queries: {queries:,} through api.queries.search.search_customers, one at a time")
    times = asyncio.run(_time_queries(settings, _queries(records, accounts, queries, random.Random(5))))
    for kind, kind_times in times.items():
        print(f"  {kind}: {_percentiles(kind_times)}")
    print(f"  all: {_percentiles(sorted(t for kind_times in times.values() for t in kind_times))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=800)
    args = parser.parse_args()
    sandbox = throwaway_namespace(Settings(), f"benchs{uuid.uuid4().hex[:6]}", os.environ)
    with sandbox as (settings, env), tempfile.TemporaryDirectory() as tmp:
        benchmark(settings, env, args.customers, args.queries, Path(tmp))
    print(f"machine: {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
