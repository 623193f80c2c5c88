"""`crm user`: logins (being built: see the issue tracker)."""

import typer

app = typer.Typer(help="Manage logins.", no_args_is_help=True)
