"""`crm strategy`: operations on the live strategy."""

from __future__ import annotations

import typer
from rich.console import Console

from crm.errors import CrmError
from crm.settings import get_settings

app = typer.Typer(help="Strategy operations.", no_args_is_help=True)
console = Console()


@app.command("reevaluate")
def reevaluate(
    strategy_id: str = typer.Option("default", help="The strategy to re-evaluate everybody under."),
) -> None:
    """Re-evaluate every customer under the strategy's current version (the strategy processor does it)."""
    from processors.common.config_table import ConfigTable
    from processors.strategy.app import live_strategy
    from processors.strategy.requests import request_reevaluation
    from topics import physical_name
    from topics.clients import make_producer

    settings = get_settings()
    table = ConfigTable(settings.kafka_brokers, physical_name("config.strategies", settings), live_strategy)
    table.start(timeout=30)
    table.stop()
    live = table.get(strategy_id)
    if live is None:
        raise CrmError(f"no strategy {strategy_id!r} has been published (publish one through the admin API)")
    try:
        count = request_reevaluation(make_producer(settings), settings, strategy_id, live.version)
    except RuntimeError as error:
        raise CrmError(str(error)) from None
    console.print(
        f"[green]✓[/] asked for re-evaluation of every customer under {strategy_id} version {live.version} "
        f"({count} partitions); `crm run strategy` does it and logs 're-evaluated' per partition"
    )
