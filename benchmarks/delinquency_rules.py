"""Micro-benchmark of the pure delinquency rules: views/s, payments/s, and an aging tick over 1M loans.

python benchmarks/delinquency_rules.py [--loans 1000000]
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from domain.aging import AgingIndex
from domain.ledger import PaymentEvent, PaymentStatus
from domain.loan import LoanState, Snapshot
from domain.schedule import Installment

AS_OF = datetime(2026, 1, 31, 13, tzinfo=UTC)
ON = date(2026, 1, 31)


def _state(n: int, rng: random.Random) -> LoanState:
    rows = tuple(
        Installment(
            date(2025, 3, 15) + timedelta(days=30 * k),
            Decimal("900000"),
            Decimal("100000"),
            paid=Decimal("1000000") if k < rng.randrange(8, 12) else Decimal(0),
        )
        for k in range(12)
    )
    snapshot = Snapshot(f"LN{n}", f"C{n}", "VND", False, Decimal("5400000"), AS_OF, rows)
    return LoanState(f"LN{n}").with_snapshot(snapshot)[0]


def _rate(label: str, count: int, seconds: float) -> None:
    print(f"{label:<34} {count:>10,} in {seconds:6.2f} s  {count / seconds:>12,.0f}/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=1_000_000)
    args = parser.parse_args()
    rng = random.Random(7)
    states = [_state(n, rng) for n in range(20_000)]

    started = time.perf_counter()
    for state in states:
        state.view(ON)
    _rate("view (dpd, bucket, overdue, next)", len(states), time.perf_counter() - started)

    started = time.perf_counter()
    for n, state in enumerate(states):
        state.with_payment(
            PaymentEvent(
                f"P{n}", Decimal("1000000"), "VND", AS_OF + timedelta(hours=1), PaymentStatus.COMPLETED
            )
        )
    _rate("with_payment", len(states), time.perf_counter() - started)

    index = AgingIndex()
    started = time.perf_counter()
    for n in range(args.loans):
        index.schedule(f"LN{n}", ON + timedelta(days=rng.randrange(1, 60)))
    _rate("index a loan under its event date", args.loans, time.perf_counter() - started)
    started = time.perf_counter()
    due = index.due(ON + timedelta(days=1))
    seconds = time.perf_counter() - started
    print(f"tick over {args.loans:,} loans: {len(due):,} due, found in {seconds * 1000:.0f} ms")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
