"""The ``crm`` console script: thin wiring from sub-commands to the modules that do the work."""

from __future__ import annotations

import re
import sys

import typer
from pydantic import ValidationError
from pydantic_settings import SettingsError
from rich.console import Console

from crm.errors import CrmError
from crm.logging import configure_logging
from crm.settings import get_settings

app = typer.Typer(
    name="crm",
    help="Real-time debt-collection CRM: run the stack, the processors and the API.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
err_console = Console(stderr=True, soft_wrap=True)


@app.callback()
def _root() -> None:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)


def _register() -> None:
    # Imported here so `crm --help` stays fast and a broken optional module names itself clearly.
    from crm.commands import api, bench, demo, dlq, generate, ingest, init, replay, run, stack, strategy, user

    app.add_typer(stack.app, name="stack")
    app.command("init")(init.init)
    app.command("generate")(generate.generate)
    app.command("ingest")(ingest.ingest)
    app.command("run")(run.run)
    app.command("demo")(demo.demo)
    app.command("bench")(bench.bench)
    app.command("api")(api.api)
    app.add_typer(user.app, name="user")
    app.add_typer(strategy.app, name="strategy")
    app.command("replay")(replay.replay)
    app.add_typer(dlq.app, name="dlq")


def main() -> None:
    _register()
    try:
        app()
    except CrmError as error:
        err_console.print(f"[bold red]error:[/] {error}", highlight=False)
        sys.exit(error.exit_code)
    except (ValidationError, SettingsError) as error:
        problems = settings_problems(error)
        if problems is None:
            raise
        for problem in problems:
            err_console.print(f"[bold red]error:[/] {problem}", highlight=False)
        sys.exit(CrmError.exit_code)
    except KeyboardInterrupt:
        err_console.print("interrupted")
        sys.exit(130)


def settings_problems(error: ValidationError | SettingsError) -> list[str] | None:
    """A refused ``CRM_*`` setting, one line per problem, named as the environment names it (a traceback
    tells an operator nothing); None for any other error, which is left to propagate."""
    if isinstance(error, SettingsError):  # "error parsing value for field "x" from source "…""
        field = re.search(r'field "([a-z0-9_]+)"', str(error))
        name = f"CRM_{field[1].upper()}" if field else "a CRM_* setting"
        return [f"{name} could not be read: a setting that holds a list or a mapping takes JSON"]
    if error.title != "Settings":
        return None
    return [
        f"CRM_{str(problem['loc'][0]).upper() if problem['loc'] else ''}: "
        + problem["msg"].removeprefix("Value error, ")
        for problem in error.errors()
    ]
