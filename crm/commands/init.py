"""``crm init``: create topics, migrate the database, create search indices. Idempotent."""

from __future__ import annotations

from collections import Counter

import typer
from rich.console import Console

from crm.settings import get_settings

console = Console(stderr=True, soft_wrap=True)


def _summary(statuses: list[str]) -> str:
    counts = Counter(statuses)
    return ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing to do"


def init(
    topics: bool = typer.Option(True, "--topics/--no-topics", help="Create Kafka topics."),
    database: bool = typer.Option(True, "--database/--no-database", help="Apply PostgreSQL migrations."),
    search: bool = typer.Option(True, "--search/--no-search", help="Create Elasticsearch indices."),
) -> None:
    """Create topics, migrate the database and create search indices; running it again changes nothing."""
    from infra.kafka_topics import ensure_topics
    from infra.migrate import migrate
    from infra.search_indices import ensure_indices

    settings = get_settings()
    warnings: list[str] = []
    if topics:
        with console.status("creating Kafka topics"):
            outcomes = ensure_topics(settings)
        console.print(f"[green]✓[/] topics: {_summary([o.status for o in outcomes])}")
        warnings += [f"topic {o.name} {o.detail}" for o in outcomes if o.status == "differs"]
    if database:
        with console.status("migrating PostgreSQL"):
            applied = migrate(settings.database_url)
        names = ", ".join(m.stem for m in applied)
        console.print(f"[green]✓[/] database: {f'applied {names}' if applied else 'up to date'}")
    if search:
        with console.status("creating Elasticsearch indices"):
            indices = ensure_indices(settings)
        console.print(f"[green]✓[/] search indices: {_summary([i.status for i in indices])}")
        warnings += [i.detail for i in indices if i.status == "differs"]
    for warning in warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
