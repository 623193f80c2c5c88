"""Agents' current configuration."""

from __future__ import annotations

import psycopg
from psycopg.types.json import Jsonb

from contracts.admin import AgentPublic, TeamSummary
from contracts.agents import AgentConfig

_COLUMNS = "config, updated_at, updated_by"


def _public(row: tuple) -> AgentPublic:
    config, updated_at, updated_by = row
    return AgentPublic.model_validate({**config, "updated_at": updated_at, "updated_by": updated_by})


def list_agents(
    conn: psycopg.Connection,
    team: str | None,
    active: bool | None,
    limit: int,
    offset: int,
    containing: str | None = None,
) -> list[AgentPublic]:
    """In agent id order; ``containing``: only agents whose id or name holds it, in any case."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM agents "
        "WHERE (%(team)s::text IS NULL OR config ->> 'team' = %(team)s) "
        "AND (%(active)s::boolean IS NULL OR (config ->> 'active')::boolean = %(active)s) "
        "AND (%(q)s::text IS NULL OR strpos(lower(agent_id), lower(%(q)s)) > 0 "
        "     OR strpos(lower(config ->> 'name'), lower(%(q)s)) > 0) "
        "ORDER BY agent_id LIMIT %(limit)s OFFSET %(offset)s",
        {"team": team, "active": active, "q": containing, "limit": limit, "offset": offset},
    ).fetchall()
    return [_public(row) for row in rows]


def list_teams(conn: psycopg.Connection) -> list[TeamSummary]:
    """Every team an agent names, in name order, with its active agents' number and capacity."""
    rows = conn.execute(
        # the same order on every database, whatever its collation
        "SELECT config ->> 'team' COLLATE \"C\", "
        "count(*) FILTER (WHERE (config ->> 'active')::boolean), "
        "coalesce(sum((config ->> 'capacity')::int) FILTER (WHERE (config ->> 'active')::boolean), 0), "
        "count(*) FILTER (WHERE NOT (config ->> 'active')::boolean) "
        "FROM agents GROUP BY 1 ORDER BY 1"
    ).fetchall()
    return [
        TeamSummary(team=team, active_agents=active, capacity=capacity, inactive_agents=inactive)
        for team, active, capacity, inactive in rows
    ]


def get_agent(conn: psycopg.Connection, agent_id: str, for_update: bool = False) -> AgentPublic | None:
    lock = " FOR UPDATE" if for_update else ""
    row = conn.execute(f"SELECT {_COLUMNS} FROM agents WHERE agent_id = %s{lock}", (agent_id,)).fetchone()
    return _public(row) if row else None


def upsert_agent(conn: psycopg.Connection, config: AgentConfig, updated_by: str) -> tuple[AgentPublic, bool]:
    """The stored agent and whether it is new."""
    row = conn.execute(
        "INSERT INTO agents (agent_id, config, updated_at, updated_by) VALUES (%s, %s, now(), %s) "
        "ON CONFLICT (agent_id) DO UPDATE SET config = EXCLUDED.config, updated_at = EXCLUDED.updated_at, "
        "updated_by = EXCLUDED.updated_by "
        f"RETURNING {_COLUMNS}, xmax = 0",
        (config.agent_id, Jsonb(config.model_dump(mode="json")), updated_by),
    ).fetchone()
    return _public(row[:3]), row[3]
