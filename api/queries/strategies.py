"""Strategy versions: the current one per strategy is the highest version."""

from __future__ import annotations

import psycopg
from psycopg.types.json import Jsonb

from contracts.admin import StrategyPublic
from contracts.strategies import StrategyConfig

_COLUMNS = "config, published_by"


def _public(row: tuple) -> StrategyPublic:
    config, published_by = row
    return StrategyPublic.model_validate({**config, "published_by": published_by})


def current_strategies(conn: psycopg.Connection) -> list[StrategyPublic]:
    rows = conn.execute(
        f"SELECT DISTINCT ON (strategy_id) {_COLUMNS} FROM strategy_versions "
        "ORDER BY strategy_id, version DESC"
    ).fetchall()
    return [_public(row) for row in rows]


def current_strategy(conn: psycopg.Connection, strategy_id: str) -> StrategyPublic | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM strategy_versions WHERE strategy_id = %s ORDER BY version DESC LIMIT 1",
        (strategy_id,),
    ).fetchone()
    return _public(row) if row else None


def strategy_version(conn: psycopg.Connection, strategy_id: str, version: int) -> StrategyPublic | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM strategy_versions WHERE strategy_id = %s AND version = %s",
        (strategy_id, version),
    ).fetchone()
    return _public(row) if row else None


def latest_version(conn: psycopg.Connection, strategy_id: str) -> int:
    """The current version number, 0 when the strategy was never published."""
    row = conn.execute(
        "SELECT coalesce(max(version), 0) FROM strategy_versions WHERE strategy_id = %s", (strategy_id,)
    ).fetchone()
    return row[0]


def lock_strategy(conn: psycopg.Connection, strategy_id: str) -> None:
    """Serialise publishers of one strategy until the transaction ends (also covers its first version,
    which has no row to lock yet)."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"strategy:{strategy_id}",))


def insert_version(conn: psycopg.Connection, config: StrategyConfig, published_by: str) -> None:
    conn.execute(
        "INSERT INTO strategy_versions (strategy_id, version, config, published_at, published_by) "
        "VALUES (%s, %s, %s, %s, %s)",
        (
            config.strategy_id,
            config.version,
            Jsonb(config.model_dump(mode="json")),
            config.published_at,
            published_by,
        ),
    )
