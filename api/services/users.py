"""Logins managed by admins: create, change role / agent / team / password, deactivate. Every change is
audited in the same transaction; a password is hashed here and never stored, logged or returned."""

from __future__ import annotations

import psycopg

from api.errors import NotFound, PreconditionFailed, field_error
from api.queries import agents, audit, users
from api.security import hash_password
from contracts.admin import Role, UserAdminView, UserSave


def _check(conn: psycopg.Connection, save: UserSave) -> None:
    if save.role is Role.AGENT and not save.agent_id:
        raise field_error("agent_id", "an agent login needs the agent it works as")
    if save.role is not Role.AGENT and save.agent_id:
        raise field_error("agent_id", "only agent logins work as an agent")
    if save.team is not None and save.role is not Role.SUPERVISOR:
        raise field_error("team", "only supervisors have a team (an agent's is in its agent record)")
    if save.role is Role.AGENT and agents.get_agent(conn, save.agent_id) is None:
        raise field_error("agent_id", f"no agent {save.agent_id!r}: create the agent first")


def save_user(
    conn: psycopg.Connection, username: str, save: UserSave, actor: str, create_only: bool = False
) -> tuple[UserAdminView, bool]:
    """Create or change the login; returns it and whether it was created. ``create_only``: a login that
    exists already is left as it is (PreconditionFailed, 412)."""
    _check(conn, save)
    password_hash = hash_password(save.password) if save.password is not None else None
    with conn.transaction():
        exists = users.lock_user(conn, username)
        if create_only and exists:
            raise PreconditionFailed(f"login {username!r} already exists")
        if not exists:
            if password_hash is None:
                raise field_error("password", "a new login needs a password (at least 8 characters)")
            created = users.insert_user(conn, username, password_hash, save.role, save.agent_id, save.team)
            if not created:  # created concurrently: retry as a change
                if create_only:
                    raise PreconditionFailed(f"login {username!r} already exists")
                exists = users.lock_user(conn, username)
        if exists:
            users.update_user(conn, username, save.role, save.agent_id, save.team, save.active, password_hash)
        elif not save.active:
            users.update_user(conn, username, save.role, save.agent_id, save.team, False, None)
        details = save.model_dump(mode="json", exclude={"password"}) | {
            "password_changed": save.password is not None
        }
        audit.record(conn, actor, "user.update" if exists else "user.add", f"user:{username}", details)
    return UserAdminView.model_validate(users.get_user_view(conn, username)), not exists


def deactivate_user(conn: psycopg.Connection, username: str, actor: str) -> UserAdminView:
    with conn.transaction():
        if not users.lock_user(conn, username):
            raise NotFound(f"no login {username!r}")
        conn.execute("UPDATE users SET active = false WHERE username = %s", (username,))
        audit.record(conn, actor, "user.deactivate", f"user:{username}", {})
    return UserAdminView.model_validate(users.get_user_view(conn, username))
