"""Micro-benchmark of the pure delinquency domain: ops/s for dpd, view, with_payment and the state codec, and
a business-date tick over 1,000,000 indexed loans. Not a test; one core, pure Python.

python benchmarks/domain_rules.py [--loans 1000000] [--sample 20000]

(Not named benchmarks/domain.py: run as a file, a script's folder comes first on sys.path, and a
benchmarks/domain.py would hide the `domain` package from every script in this folder.)
"""

from __future__ import annotations

import argparse
import platform
import random
import resource
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from domain import (
    AgingIndex,
    Installment,
    LoanState,
    Payment,
    PaymentStatus,
    Snapshot,
    dpd,
    next_change_date,
    with_payment,
    with_snapshot,
)

AS_OF = datetime(2026, 1, 31, 13, tzinfo=UTC)
ON = date(2026, 1, 31)


def _loan(n: int, rng: random.Random, installments: int) -> LoanState:
    """A monthly loan of ``installments`` rows, the first 6 to 11 settled by the bank (so most are late)."""
    settled = rng.randrange(6, 12)
    rows = tuple(
        Installment(
            date(2025, 3, 15) + timedelta(days=30 * k),
            Decimal("900000"),
            Decimal("100000"),
            paid=Decimal("1000000") if k < settled else Decimal(0),
        )
        for k in range(installments)
    )
    snapshot = Snapshot(f"LN{n}", f"C{n}", "VND", False, Decimal("5400000"), AS_OF, rows)
    return with_snapshot(LoanState(f"LN{n}"), snapshot)[0]


def _measure(label: str, items: list, work: Callable) -> None:
    started = time.perf_counter()
    for item in items:
        work(item)
    _report(label, len(items), time.perf_counter() - started)


def _report(label: str, count: int, seconds: float) -> None:
    print(f"{label:<44} {count:>10,} in {seconds:6.2f} s  {count / seconds:>12,.0f}/s")


def _tick(loans: int, rng: random.Random, sample: list[LoanState]) -> None:
    """Index every loan under its next change date, then move the business date on by one day: the tick
    takes out the due loans, loads each from its stored dict, recomputes its view and files it again."""
    index = AgingIndex()
    started = time.perf_counter()
    for n in range(loans):
        oldest = ON - timedelta(days=rng.randrange(0, 200))  # oldest unpaid due date
        index.schedule(f"LN{n}", next_change_date(oldest, ON))
    seconds = time.perf_counter() - started
    _report("file a loan under its next change date", loans, seconds)
    stored = [state.to_dict() for state in sample]
    tomorrow = ON + timedelta(days=1)
    started = time.perf_counter()
    due = index.due(tomorrow)
    found = time.perf_counter() - started
    for n, account in enumerate(due):
        state = LoanState.from_dict(stored[n % len(stored)])
        view = state.view(tomorrow)
        index.schedule(account, view.next_event)
    total = time.perf_counter() - started
    print(
        f"tick over {loans:,} loans: {len(due):,} due ({len(due) / loans:.1%}), "
        f"found in {found * 1000:.0f} ms, loaded + recomputed + re-filed in {total:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000, help="loans built for the per-loan rates")
    parser.add_argument("--installments", type=int, default=12)
    args = parser.parse_args()
    rng = random.Random(7)
    states = [_loan(n, rng, args.installments) for n in range(args.sample)]
    payments = [
        Payment(
            f"P{n}", f"LN{n}", Decimal("1000000"), "VND", AS_OF + timedelta(hours=1), PaymentStatus.COMPLETED
        )
        for n in range(args.sample)
    ]
    paid = [with_payment(state, payment)[0] for state, payment in zip(states, payments, strict=True)]
    print(f"{args.installments}-installment loans, Python {platform.python_version()}")
    _measure("dpd (snapshot only)", states, lambda s: dpd(s, ON))
    _measure("dpd (one payment on top)", paid, lambda s: dpd(s, ON))
    _measure("view: dpd, bucket, overdue, outstanding, next", states, lambda s: s.view(ON))
    _measure(
        "with_payment (a new completed payment)",
        list(zip(states, payments, strict=True)),
        lambda sp: with_payment(*sp),
    )
    _measure(
        "with_payment (the same payment again)",
        list(zip(paid, payments, strict=True)),
        lambda sp: with_payment(*sp),
    )
    dicts = [state.to_dict() for state in paid]
    _measure("to_dict", paid, LoanState.to_dict)
    _measure("from_dict", dicts, LoanState.from_dict)
    _tick(args.loans, rng, states)
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")


if __name__ == "__main__":
    main()
