"""``crm generate``: write a synthetic portfolio, one ``<topic>.jsonl`` per inbound topic."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import typer
from rich.console import Console

from crm.errors import CrmError

console = Console(stderr=True, highlight=False, soft_wrap=True)


def generate(
    customers: int = typer.Option(10_000, "--customers", help="How many customers (each has 1-4 loans)."),
    seed: int = typer.Option(42, "--seed", help="The same seed and size give byte-identical files."),
    out: Path = typer.Option(Path("data/demo"), "--out", help="Directory to write the files into."),
    start_date: str = typer.Option(
        "2026-01-31",
        "--start-date",
        help="Snapshot date; business dates follow it day by day. A future date's loans cannot be ingested"
        " until about that date: a snapshot may not be as of more than a day after it is sent.",
    ),
    days: int = typer.Option(30, "--days", min=1, max=3660, help="How many business dates to write."),
    workers: int | None = typer.Option(None, "--workers", min=1, help="Processes (default: one per core)."),
) -> None:
    """Write a realistic, deterministic synthetic portfolio as JSONL files."""
    from crm.generator import generate_portfolio

    if customers < 1:
        raise CrmError("--customers must be at least 1")
    if out.exists() and not out.is_dir():
        raise CrmError(f"--out {out} exists and is not a directory")
    try:
        snapshot = datetime.strptime(start_date, "%Y-%m-%d").date()
    except ValueError:
        raise CrmError(f"--start-date {start_date!r} is not a date like 2026-01-31") from None
    started = time.perf_counter()
    manifest = generate_portfolio(
        out, customers, seed, start_date=snapshot, days=days, workers=workers, progress=True
    )
    elapsed = time.perf_counter() - started
    size = sum(manifest.bytes.values()) / 1e6
    console.print(f"[green]✓[/] {customers:,} customers in {elapsed:.1f} s ({size:,.1f} MB) → {out}")
    for topic, count in manifest.counts.items():
        console.print(f"  {topic + '.jsonl':<28} {count:>12,} lines")
