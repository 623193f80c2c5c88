"""`crm strategy`: operations on the live strategy."""

from __future__ import annotations

import typer
from rich.console import Console

from crm.errors import CrmError
from crm.settings import get_settings
from domain.wording import count_of

app = typer.Typer(help="Strategy operations.", no_args_is_help=True)
console = Console()


@app.command("reevaluate")
def reevaluate(
    strategy_id: str = typer.Option("default", help="The strategy to re-evaluate everybody under."),
) -> None:
    """Re-evaluate every customer under the strategy's current version (the strategy processor does it)."""
    import psycopg

    from api.publishing import PublishFailed, make_api_producer, request_reevaluation
    from api.queries.strategies import latest_version

    settings = get_settings()
    try:
        with psycopg.connect(settings.database_url, connect_timeout=5) as conn:
            version = latest_version(conn, strategy_id)
    except psycopg.Error as error:
        raise CrmError(f"cannot read the strategy from PostgreSQL ({error}); is `crm init` done?") from None
    if version == 0:
        raise CrmError(
            f"strategy {strategy_id!r} was never published (PUT /api/admin/strategies/{strategy_id})"
        )
    try:
        accepted = request_reevaluation(make_api_producer(settings), settings, strategy_id, version)
    except PublishFailed as error:
        raise CrmError(error.detail) from None
    console.print(
        f"[green]✓[/] asked for re-evaluation of every customer under {strategy_id} version {version} "
        f"({count_of(accepted.partitions, 'partition')}); `crm run strategy` logs 're-evaluated' per "
        "partition"
    )
