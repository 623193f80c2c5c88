"""``crm bench``: the end-to-end benchmark (`benchmarks/e2e.py`), its JSON result and its table in the docs.

The benchmark lives in the repository's ``benchmarks/`` folder (not in the installed packages), so this
command runs from a source checkout.
"""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console

from crm.errors import CrmError
from crm.settings import REPO_ROOT, get_settings

console = Console(stderr=True, highlight=False, soft_wrap=True)
BENCHMARKS_PAGE = REPO_ROOT / "docs" / "benchmarks.md"


def bench(
    customers: int = typer.Option(500_000, "--customers", min=1, help="Size of the generated portfolio."),
    seed: int = typer.Option(42, "--seed", help="Generator seed: the same seed gives the same portfolio."),
    out: Path | None = typer.Option(
        None, "--out", help="Where to write the JSON result; default <state dir>/bench/e2e-<N>-<time>.json."
    ),
    record: bool = typer.Option(
        True, "--record/--no-record", help="Write the result's table into docs/benchmarks.md."
    ),
    keep: bool = typer.Option(
        False, "--keep", help="Leave the namespace (topics, indices, Redis keys, schema) for inspection."
    ),
    samples: int = typer.Option(20, "--samples", min=1, help="Payments timed to the queue."),
    load_rate: int = typer.Option(
        50, "--load-rate", min=0, help="Other payments per second while the latency is sampled."
    ),
) -> None:
    """Generate a portfolio, run it through every processor and time each sink until complete."""
    if not (REPO_ROOT / "benchmarks" / "e2e.py").is_file():
        raise CrmError("crm bench runs from a source checkout: benchmarks/e2e.py is not there")
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from benchmarks.e2e import BenchOptions, run_bench
    from benchmarks.e2e_report import markdown, record_page, write_json

    settings = get_settings()
    options = BenchOptions(customers=customers, seed=seed, samples=samples, load_rate=load_rate, keep=keep)
    result = run_bench(settings, options, console)
    stamp = result["date"][:19].replace(":", "").replace("-", "")
    path = write_json(result, out or settings.state_dir / "bench" / f"e2e-{customers}-{stamp}.json")
    console.rule("result")
    console.print(markdown(result), markup=False)
    console.print(f"[green]✓[/] result written to {path}")
    if record:
        record_page(result, BENCHMARKS_PAGE)
        console.print(f"[green]✓[/] table recorded in {BENCHMARKS_PAGE}")
    if not result["complete"]:
        raise CrmError("a sink's final figures failed their checks; see `checks` in the result")
