"""`crm user`: logins for the API."""

from __future__ import annotations

import getpass
import os
import re

import typer
from rich.console import Console

from crm.errors import CrmError
from crm.settings import get_settings

app = typer.Typer(help="Manage logins.", no_args_is_help=True)
console = Console(stderr=True, soft_wrap=True)

ROLES = ("agent", "supervisor", "admin", "integration")
MIN_PASSWORD_LENGTH = 8
_USERNAME = re.compile(r"^[A-Za-z0-9._@-]{1,64}$")


def _password() -> str:
    password = os.environ.get("CRM_NEW_PASSWORD")
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise CrmError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    return password


@app.command("add")
def add(
    username: str = typer.Argument(..., help="The login name (letters, digits, . _ @ -)."),
    role: str = typer.Option(..., "--role", help=f"One of: {', '.join(ROLES)}."),
    agent_id: str | None = typer.Option(None, "--agent-id", help="The agent this login works as (agents)."),
    team: str | None = typer.Option(
        None, "--team", help="The team a supervisor oversees (default: every team)."
    ),
    update: bool = typer.Option(
        False, "--update", help="Replace the password, role and agent of an existing login."
    ),
) -> None:
    """Create a login; the password comes from CRM_NEW_PASSWORD or a prompt."""
    from api.queries import audit, users
    from api.security import hash_password
    from contracts.admin import Role
    from infra.migrate import connect

    if not _USERNAME.match(username):
        raise CrmError(f"invalid username {username!r}: use 1-64 letters, digits or . _ @ -")
    if role not in ROLES:
        raise CrmError(f"unknown role {role!r}; choose one of: {', '.join(ROLES)}")
    if role == "agent" and not agent_id:
        raise CrmError("an agent login needs --agent-id (the agent whose queue it works)")
    if team is not None and role != "supervisor":
        raise CrmError("--team is for supervisors (an agent's team is in its agent record)")
    password_hash = hash_password(_password())
    with connect(get_settings().database_url) as conn:
        if not users.users_table_exists(conn):
            raise CrmError("the database has no users table yet: run `crm init` first")
        with conn.transaction():
            if update:
                done = users.replace_user(conn, username, password_hash, Role(role), agent_id, team)
                if not done:
                    raise CrmError(f"there is no login {username!r} to update")
            elif not users.insert_user(conn, username, password_hash, Role(role), agent_id, team):
                raise CrmError(f"login {username!r} already exists (use --update to replace it)")
            details = {"role": role, "agent_id": agent_id, "team": team}
            audit.record(
                conn,
                f"cli:{getpass.getuser()}",
                "user.update" if update else "user.add",
                f"user:{username}",
                details,
            )
    console.print(f"[green]✓[/] login {username} ({role}) {'updated' if update else 'created'}")
