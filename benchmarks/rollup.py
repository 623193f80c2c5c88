"""Benchmark the roll-up processor: loans' delinquency records folded per customer, from Kafka to PostgreSQL.

    python benchmarks/rollup.py [--customers 50000] [--days 30] [--jump 30] [--samples 20] [--rate 500]

Its input is the delinquency processor's output on a generated portfolio (`crm.generator`: the bank's loans,
payments and ``--days`` business dates), made first and not measured. Then `crm run rollup` as its own
process, each phase until it has consumed everything, its repartition topic included:

1. the first pass: every `delinquency.loans` record, re-keyed by customer and folded: records/s and
   customers/s, the processor's and PostgreSQL's CPU seconds;
2. the same records again (a replay or a redelivery): every one is ignored by its revision, and
   `customer_delinquency` must not change;
3. a business date ``--jump`` days on (the processor stopped while the delinquency processor ages the book,
   then started again): the records of every loan that changed, including the start-up and state recovery;
4. latency: one loan record at a time, while ``--rate`` records/s of other loans are replayed, from produce
   to its customer's new row in PostgreSQL: p50/p99.

Needs the local stack (`crm stack up`). Everything runs in a throw-away namespace and schema.
"""

from __future__ import annotations

import itertools
import time
from datetime import date, timedelta
from pathlib import Path

import orjson
import psycopg
from processor_run import (
    ProcessorRun,
    downstream_parser,
    latency_figures,
    out_of_step,
    produce,
    read_records,
    run_delinquency,
    sandbox,
    steady_load,
    through_delinquency,
    until,
)

from crm.settings import Settings
from topics import physical_name
from topics.clients import make_producer

LOANS = "delinquency.loans"


def _customers(settings: Settings) -> tuple[int, int]:
    """(rows of `customer_delinquency`, the sum of their revisions): a change to any row changes the sum."""
    with psycopg.connect(settings.database_url) as conn:
        query = "SELECT count(*), coalesce(sum(revision), 0) FROM customer_delinquency"
        return conn.execute(query).fetchone()


def main() -> None:
    parser = downstream_parser(__doc__.splitlines()[0], 500, "records/s of other loans during the latency")
    parser.add_argument("--jump", type=int, default=30, help="days from the last date to the one of phase 3")
    args = parser.parse_args()
    with sandbox() as (settings, env, folder):
        run(args, settings, env, folder)


def run(args, settings: Settings, env: dict[str, str], folder: Path) -> None:
    manifest = through_delinquency(settings, env, folder, args)
    records = read_records(settings, LOANS)
    print(f"  → {len(records):,} {LOANS} records")
    with ProcessorRun(settings, env, "rollup", folder / "rollup.log") as rollup:
        first = rollup.measure(rollup.start)
        rows, revisions = _customers(settings)
        print(
            f"first pass: {first.seconds:,.1f} s incl. start-up, {first.rate(len(records), 'records')}, "
            f"{first.rate(rows, 'customers')} ({rows:,} customers); {first.cpu_figures()}"
        )

        again = rollup.measure(lambda: produce(settings, LOANS, records))
        assert _customers(settings) == (rows, revisions), "a redelivered record changed a customer"
        print(
            f"the same records again: {again.seconds:,.1f} s, {again.rate(len(records), 'records')}, "
            f"every one ignored; {again.cpu_figures()}"
        )

        rollup.stop()
        day = date.fromisoformat(manifest.last_business_date) + timedelta(days=args.jump)
        produce(settings, "ops.business-date", [("MAIN", {"date": day.isoformat(), "bank": "MAIN"})])
        run_delinquency(settings, env, folder)
        changed = len(read_records(settings, LOANS)) - 2 * len(records)
        jump = rollup.measure(rollup.start)
        after, _ = _customers(settings)
        print(
            f"business date {day} ({args.jump} days on): {changed:,} records in {jump.seconds:,.1f} s incl. "
            f"start-up, {jump.rate(changed, 'records')}; {after:,} customers; {jump.cpu_figures()}"
        )

        times, missed = _latencies(settings, records, args.samples, args.rate)
        print(
            f"one record → its customer's row in PostgreSQL, {args.rate} other records/s: "
            f"{latency_figures(times, missed)}"
        )
        print(f"processor peak RSS {rollup.peak_rss_mb():,.0f} MB")


def _latencies(
    settings: Settings, records: list[tuple[bytes, bytes]], samples: int, rate: int
) -> tuple[list[float], int]:
    """Newer records of loans spread over the book, each timed to its customer's new revision, while old
    records (ignored by their revision, yet each read, re-keyed and looked up) arrive at ``rate``/s."""
    latest = {}
    for key, value in records:
        record = orjson.loads(value)
        latest[record["account_number"]] = (key, record)
    chosen = list(latest.values())[:: max(1, len(latest) // samples)][:samples]
    fast = make_producer(settings, **{"linger.ms": 0})
    times, missed = [], 0
    query = "SELECT revision FROM customer_delinquency WHERE cif = %s"
    with (
        steady_load(settings, LOANS, itertools.cycle(records), rate),
        psycopg.connect(settings.database_url, autocommit=True) as conn,
    ):
        for n, (key, record) in enumerate(chosen):
            out_of_step()
            before = conn.execute(query, (record["cif"],)).fetchone()[0]
            newer = {**record, "revision": record["revision"] + 1_000_000 + n}
            started = time.perf_counter()
            fast.produce(physical_name(LOANS, settings), orjson.dumps(newer), key)
            fast.flush(10)
            if until(lambda: conn.execute(query, (record["cif"],)).fetchone()[0] != before):  # noqa: B023
                times.append(time.perf_counter() - started)
            else:
                missed += 1
    return times, missed


if __name__ == "__main__":
    main()
