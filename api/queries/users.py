"""Logins and failed login attempts."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from contracts.admin import Role


@dataclass(frozen=True)
class UserRow:
    username: str
    password_hash: str
    role: Role
    agent_id: str | None
    active: bool
    team: str | None = None


def users_table_exists(conn: psycopg.Connection) -> bool:
    return conn.execute("SELECT to_regclass('users') IS NOT NULL").fetchone()[0]


def get_user(conn: psycopg.Connection, username: str) -> UserRow | None:
    row = conn.execute(
        "SELECT username, password_hash, role, agent_id, active, team FROM users WHERE username = %s",
        (username,),
    ).fetchone()
    return UserRow(row[0], row[1], Role(row[2]), row[3], row[4], row[5]) if row else None


def insert_user(
    conn: psycopg.Connection,
    username: str,
    password_hash: str,
    role: Role,
    agent_id: str | None,
    team: str | None = None,
) -> bool:
    """False when the username is taken."""
    inserted = conn.execute(
        "INSERT INTO users (username, password_hash, role, agent_id, team) VALUES (%s, %s, %s, %s, %s) "
        "ON CONFLICT (username) DO NOTHING",
        (username, password_hash, role.value, agent_id, team),
    )
    return inserted.rowcount == 1


def replace_user(
    conn: psycopg.Connection,
    username: str,
    password_hash: str,
    role: Role,
    agent_id: str | None,
    team: str | None = None,
) -> bool:
    """New password, role, agent and team for an existing login (active again); False when there is none."""
    updated = conn.execute(
        "UPDATE users SET password_hash = %s, role = %s, agent_id = %s, team = %s, active = true "
        "WHERE username = %s",
        (password_hash, role.value, agent_id, team, username),
    )
    return updated.rowcount == 1


def set_password_hash(conn: psycopg.Connection, username: str, password_hash: str) -> None:
    conn.execute("UPDATE users SET password_hash = %s WHERE username = %s", (password_hash, username))


def seconds_locked(conn: psycopg.Connection, username: str, max_failures: int, window_s: int) -> int:
    """How long the login stays locked: until its ``max_failures``-th latest failure leaves the window."""
    row = conn.execute(
        "SELECT ceil(extract(epoch FROM failed_at + make_interval(secs => %s) - now()))::int "
        "FROM login_failures WHERE username = %s AND failed_at > now() - make_interval(secs => %s) "
        "ORDER BY failed_at DESC OFFSET %s LIMIT 1",
        (window_s, username, window_s, max_failures - 1),
    ).fetchone()
    return max(row[0], 1) if row else 0


def record_failure(conn: psycopg.Connection, username: str, client: str | None, window_s: int) -> None:
    with conn.transaction():
        conn.execute(
            "DELETE FROM login_failures WHERE failed_at < now() - make_interval(secs => %s)", (window_s,)
        )
        conn.execute("INSERT INTO login_failures (username, client) VALUES (%s, %s)", (username, client))


def clear_failures(conn: psycopg.Connection, username: str) -> None:
    conn.execute("DELETE FROM login_failures WHERE username = %s", (username,))


_ADMIN_COLUMNS = "username, role, agent_id, team, active, created_at"


def _admin_view(row) -> dict:
    return dict(zip(("username", "role", "agent_id", "team", "active", "created_at"), row, strict=True))


def list_users(
    conn: psycopg.Connection, role: Role | None, limit: int, offset: int, containing: str | None = None
) -> list[dict]:
    """In username order; ``containing``: only logins whose username or agent id holds it, in any case."""
    rows = conn.execute(
        f"SELECT {_ADMIN_COLUMNS} FROM users WHERE (%(role)s::text IS NULL OR role = %(role)s) "
        "AND (%(q)s::text IS NULL OR strpos(lower(username), lower(%(q)s)) > 0 "
        "     OR strpos(lower(coalesce(agent_id, '')), lower(%(q)s)) > 0) "
        "ORDER BY username LIMIT %(limit)s OFFSET %(offset)s",
        {"role": role.value if role else None, "q": containing, "limit": limit, "offset": offset},
    ).fetchall()
    return [_admin_view(row) for row in rows]


def get_user_view(conn: psycopg.Connection, username: str) -> dict | None:
    row = conn.execute(f"SELECT {_ADMIN_COLUMNS} FROM users WHERE username = %s", (username,)).fetchone()
    return _admin_view(row) if row else None


def lock_user(conn: psycopg.Connection, username: str) -> bool:
    """Lock the login's row for the transaction; False when there is none."""
    return (
        conn.execute("SELECT 1 FROM users WHERE username = %s FOR UPDATE", (username,)).fetchone() is not None
    )


def update_user(
    conn: psycopg.Connection,
    username: str,
    role: Role,
    agent_id: str | None,
    team: str | None,
    active: bool,
    password_hash: str | None,
) -> None:
    conn.execute(
        "UPDATE users SET role = %s, agent_id = %s, team = %s, active = %s,"
        " password_hash = coalesce(%s, password_hash) WHERE username = %s",
        (role.value, agent_id, team, active, password_hash, username),
    )
