"""``crm ingest TOPIC FILE``: validate a JSONL file against the topic's contract and produce it."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from crm.commands.progress import byte_progress
from crm.ingest import IngestReport, ingest_file
from crm.settings import get_settings
from domain.wording import count_of

console = Console(stderr=True, highlight=False, soft_wrap=True)


def ingest(
    topic: str = typer.Argument(..., help="Inbound topic, e.g. bank.loans, payments, agent.actions."),
    file: Path = typer.Argument(..., help="JSONL file: one message value per line."),
    validate_only: bool = typer.Option(False, "--validate-only", help="Check every line; produce nothing."),
) -> None:
    """Validate each line against the topic's contract and produce the valid ones, keyed by natural key.

    Invalid lines are reported as FILE:LINE: reason and not produced; exit status 1 if any line was rejected.
    """
    report = run_ingest(topic, file, validate_only=validate_only)
    if not report.ok:
        raise typer.Exit(1)


def run_ingest(topic: str, file: Path, *, validate_only: bool = False) -> IngestReport:
    settings = get_settings()
    size = file.stat().st_size if file.is_file() else 0
    with byte_progress(console) as progress:
        task = progress.add_task(f"{topic}", total=size)

        def on_reject(line_no: int, reason: str) -> None:
            progress.console.print(f"{file}:{line_no}: {reason}", markup=False)

        report = ingest_file(
            settings,
            topic,
            file,
            on_reject=on_reject,
            on_progress=lambda done: progress.update(task, completed=done),
            validate_only=validate_only,
        )
    print_report(report, validate_only=validate_only)
    return report


def print_report(report: IngestReport, *, validate_only: bool = False) -> None:
    verb = "validated" if validate_only else "produced"
    count = report.read - report.rejected if validate_only else report.produced
    line = (
        f"{report.topic}: {count:,} {verb}, {report.rejected:,} rejected of {report.read:,} read "
        f"in {report.seconds:.1f} s ({report.rate:,.0f}/s)"
    )
    console.print(("[green]✓[/] " if report.ok else "[red]✗[/] ") + line)
    if report.undelivered:
        console.print(
            f"[red]✗[/] {count_of(report.undelivered, 'message')} not delivered: "
            f"{report.first_delivery_error}"
        )
