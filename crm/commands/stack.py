"""``crm stack up|down|status``: the local services, natively, without Docker."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from crm.settings import get_settings

app = typer.Typer(
    help="Start, stop and report the local services (PostgreSQL, Redis, Kafka, Elasticsearch, Prometheus)."
)
console = Console(stderr=True, highlight=False, soft_wrap=True)
ONLY = typer.Option(None, "--only", help="Limit to these services (repeatable).")


@app.command()
def up(only: list[str] = ONLY) -> None:
    """Install what is missing and start every service; running services are left alone."""
    from infra.stack import manager

    manager.up(get_settings(), only or None, console=console)


@app.command()
def down(only: list[str] = ONLY) -> None:
    """Stop the services that `crm stack up` started."""
    from infra.stack import manager

    manager.down(get_settings(), only or None, console=console)


@app.command()
def status(only: list[str] = ONLY) -> None:
    """A table of the services: pid, address, health and log file. Exit status 1 if any is unhealthy."""
    from infra.stack import manager

    statuses = manager.status(get_settings(), only or None)
    table = Table("service", "pid", "address", "healthy", "log")
    for item in statuses:
        healthy = "[green]yes[/]" if item.healthy else "[red]no[/]"
        pid = str(item.pid) if item.pid else (item.detail or "-")
        table.add_row(item.name, pid, item.address, healthy, str(item.log_file))
    Console(width=200).print(table)
    if not all(item.healthy for item in statuses):
        raise typer.Exit(1)
