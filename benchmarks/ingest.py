"""Benchmark `crm ingest`: validated-and-produced messages per second into the local broker.

    python benchmarks/ingest.py [--loans 300000] [--payments 600000]

Writes two JSONL files (loans with 12-installment schedules, payments), ingests each into topics of a
throw-away namespace, and prints messages/s and peak memory. Needs `crm stack up` (Kafka) running.
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import orjson

from crm.ingest import ingest_file
from crm.settings import Settings
from infra.kafka_topics import delete_topics, ensure_topics
from topics import get_topic, physical_name

CENT = Decimal("0.01")


def _loan(i: int, rng: random.Random) -> dict:
    principal = Decimal(rng.randrange(12_000_000, 240_000_000, 1000))
    monthly = (principal / 12).quantize(CENT)
    start = date(2025, 1, 15)
    schedule = []
    for n in range(12):
        due = start + timedelta(days=30 * (n + 1))
        interest = (principal * Decimal("0.01")).quantize(CENT)
        paid = monthly + interest if n < 10 else Decimal(0)
        schedule.append(
            {
                "due_date": due.isoformat(),
                "principal": str(monthly),
                "interest": str(interest),
                "fees": "0.00",
                "penalty": "0.00",
                "paid": str(paid),
            }
        )
    return {
        "account_number": f"LN{i:010d}",
        "cif": f"C{i // 2:09d}",
        "product_type": "PERSONAL_LOAN",
        "currency": "VND",
        "original_amount": str(monthly * 12),
        "outstanding": str(monthly * 2),
        "disbursement_date": start.isoformat(),
        "maturity_date": (start + timedelta(days=360)).isoformat(),
        "interest_rate": "12.00",
        "term_months": 12,
        "status": "OPEN",
        "installments": schedule,
        "custom_fields": {"risk_score": str(Decimal(rng.randrange(1000)) / 1000)},
        "source_system": "T24",
        "as_of": "2026-01-31T20:00:00+07:00",
    }


def _payment(i: int, rng: random.Random) -> dict:
    return {
        "reference_number": f"PAY{i:012d}",
        "account_number": f"LN{rng.randrange(1_000_000):010d}",
        "amount": f"{rng.randrange(100_000, 50_000_000)}.00",
        "currency": "VND",
        "paid_at": "2026-02-01T09:30:00+07:00",
        "method": rng.choice(("BANK_TRANSFER", "CASH", "CARD", "AUTO_DEBIT")),
        "status": "COMPLETED",
    }


def _write(path: Path, count: int, make) -> None:
    rng = random.Random(7)
    with path.open("wb") as out:
        for i in range(count):
            out.write(orjson.dumps(make(i, rng)) + b"\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=300_000)
    parser.add_argument("--payments", type=int, default=600_000)
    parser.add_argument("--partitions", type=int, default=6)
    args = parser.parse_args()

    settings = Settings(namespace=f"bench{uuid.uuid4().hex[:6]}.", topic_partitions=args.partitions)
    specs = [get_topic("bank.loans"), get_topic("payments")]
    ensure_topics(settings, specs)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for spec, count, make in ((specs[0], args.loans, _loan), (specs[1], args.payments, _payment)):
                path = Path(tmp) / f"{spec.name}.jsonl"
                _write(path, count, make)
                size_mb = path.stat().st_size / 1e6
                report = ingest_file(settings, spec.name, path)
                assert report.ok and report.produced == count, report
                throughput = size_mb / report.seconds
                print(
                    f"{spec.name:<10} {count:>9,} messages {size_mb:8.1f} MB  "
                    f"{report.seconds:6.1f} s  {report.rate:>9,.0f} msg/s  {throughput:6.1f} MB/s"
                )
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        # validation workers are children of multiprocessing's fork server, so RUSAGE_CHILDREN misses them
        print(f"peak memory (RSS) of the producing process: {peak_mb:,.0f} MB")
    finally:
        delete_topics(settings, [physical_name(spec.name, settings) for spec in specs])


if __name__ == "__main__":
    main()
