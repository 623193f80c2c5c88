"""``crm demo``: the whole product on one machine.

Today that is: the local stack, topics/schema/indices, a generated portfolio, and that portfolio ingested.
Processors, the API and the web app join as they land.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from crm.commands.ingest import run_ingest
from crm.errors import CrmError
from crm.settings import Settings, get_settings
from topics import INGEST_ORDER

console = Console(stderr=True, highlight=False, soft_wrap=True)


def demo(
    customers: int = typer.Option(10_000, "--customers", min=1, help="Size of the generated portfolio."),
    seed: int = typer.Option(42, "--seed", help="Generator seed: the same seed gives the same portfolio."),
    stack: bool = typer.Option(True, "--stack/--no-stack", help="Start the local services first."),
    reingest: bool = typer.Option(False, "--reingest", help="Ingest even if the topics already hold data."),
) -> None:
    """Bring up the stack, create topics/schema/indices, generate a portfolio and ingest it."""
    from crm.commands.init import init
    from crm.generator import generate_portfolio

    settings = get_settings()
    if stack:
        from infra.stack import manager

        console.rule("1/4 local services")
        manager.up(settings, console=console)
    console.rule("2/4 topics, schema, indices")
    init(topics=True, database=True, search=True)
    console.rule(f"3/4 portfolio of {customers:,} customers (seed {seed})")
    from crm.generator import GENERATOR_VERSION

    # the generator's version is part of the name: a newer generator never reuses an older portfolio
    data_dir = settings.state_dir / "demo" / f"portfolio-v{GENERATOR_VERSION}-{customers}-{seed}"
    if (data_dir / "manifest.json").is_file():
        console.print(f"[green]✓[/] reusing {data_dir}")
    else:
        generate_portfolio(data_dir, customers, seed, progress=console.is_terminal)
        console.print(f"[green]✓[/] generated into {data_dir}")
    console.rule("4/4 ingest")
    marker = _ingest_marker(settings, data_dir)
    if marker.is_file() and not reingest:
        console.print(
            "[green]✓[/] this portfolio is already in this Kafka cluster; --reingest to produce it again"
        )
    else:
        _ingest_all(data_dir)
        marker.touch()
    console.print(
        "\n[bold]The demo portfolio is in Kafka.[/] `crm stack status` shows the services; "
        "`crm stack down` stops them."
    )


def _ingest_all(data_dir: Path) -> None:
    failed = []
    for topic in INGEST_ORDER:
        path = data_dir / f"{topic}.jsonl"
        if path.is_file() and not run_ingest(topic, path).ok:
            failed.append(topic)
    if failed:
        raise CrmError(f"ingest rejected lines of {', '.join(failed)}; see the messages above")


def _ingest_marker(settings: Settings, data_dir: Path) -> Path:
    """Marks this portfolio as produced into this very cluster and namespace (a reset Kafka has a new id)."""
    from infra.kafka_topics import cluster_id

    return data_dir / f".ingested-{cluster_id(settings)}-{settings.namespace or 'default'}"
