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

import psycopg
from processor_run import ProcessorRun, ingest, sandbox

from crm.generator import generate_portfolio
from crm.settings import Settings

TOPICS = ("bank.customers", "bank.loans", "bank.collaterals", "payments")
TABLES = ("customers", "loans", "installments", "collaterals", "collateral_loans", "payments")


def _counts(settings: Settings) -> dict[str, int]:
    with psycopg.connect(settings.database_url) as conn:
        return {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    with sandbox() as (settings, env, folder):
        run(args, settings, env, folder)


def run(args, settings: Settings, env: dict[str, str], folder) -> None:
    generate_portfolio(folder, args.customers, args.seed, workers=1, progress=False, days=1)
    events = ingest(settings, folder, TOPICS)
    print(f"{args.customers:,} customers: {events:,} entity events ingested")

    with ProcessorRun(settings, env, "entities", folder / "processor.log") as entities:
        first = entities.measure(entities.start)
        counts = _counts(settings)
        tables = ", ".join(f"{table} {n:,}" for table, n in counts.items())
        print(
            f"first load: {first.seconds:,.1f} s incl. start-up, {first.rate(events)}, "
            f"{first.rate(sum(counts.values()), 'rows')} ({tables}); {first.cpu_figures()}; "
            f"processor peak RSS {entities.peak_rss_mb():,.0f} MB"
        )
        entities.stop()

        loans = ingest(settings, folder, ("bank.loans",))
        again = entities.measure(entities.start)
        assert _counts(settings) == counts, "a redelivery changed the row counts"
        print(
            f"the same {loans:,} loans again (every schedule replaced): "
            f"{again.seconds:,.1f} s incl. start-up, {again.rate(loans, 'loans')}, "
            f"{again.rate(counts['installments'], 'installments')}; "
            f"{again.cpu_figures()}; processor peak RSS {entities.peak_rss_mb():,.0f} MB"
        )


if __name__ == "__main__":
    main()
