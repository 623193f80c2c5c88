"""Idempotent batched upserts into PostgreSQL: COPY into a temporary table, then INSERT … ON CONFLICT.

External sinks are at-least-once even under exactly-once processing (a crash after the write and before
the commit re-delivers the batch), so every write is an upsert by natural key, and snapshot tables keep a
version column (e.g. ``as_of``) so an older row never overwrites a newer one.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from quixstreams.sinks import BatchingSink, SinkBackpressureError, SinkBatch

from sinks.exceptions import SinkError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UpsertSpec:
    table: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    # When set, a row replaces the stored one only if this column is not older (replays rewrite equal rows).
    version: str | None = None

    def __post_init__(self) -> None:
        missing = [c for c in (*self.key, *(filter(None, [self.version]))) if c not in self.columns]
        if missing:
            raise SinkError(f"{self.table}: key/version columns {missing} are not among the columns")

    def key_of(self, row: Sequence[Any]) -> tuple:
        return tuple(row[self.columns.index(column)] for column in self.key)


def _statements(spec: UpsertSpec) -> tuple[sql.Composed, sql.Composed, sql.Composed]:
    table, stage = sql.Identifier(spec.table), sql.Identifier(f"stage_{spec.table}")
    columns = sql.SQL(", ").join(map(sql.Identifier, spec.columns))
    create = sql.SQL(
        "CREATE TEMP TABLE IF NOT EXISTS {stage} (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
    ).format(stage=stage, table=table)
    copy = sql.SQL("COPY {stage} ({columns}) FROM STDIN").format(stage=stage, columns=columns)
    updates = [c for c in spec.columns if c not in spec.key]
    action = (
        sql.SQL("DO UPDATE SET ")
        + sql.SQL(", ").join(sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in updates)
        if updates
        else sql.SQL("DO NOTHING")
    )
    if updates and spec.version:
        action += sql.SQL(" WHERE {table}.{v} <= EXCLUDED.{v}").format(
            table=table, v=sql.Identifier(spec.version)
        )
    insert = (
        sql.SQL("INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage} ON CONFLICT ({key}) ").format(
            table=table, columns=columns, stage=stage, key=sql.SQL(", ").join(map(sql.Identifier, spec.key))
        )
        + action
    )
    return create, copy, insert


def upsert_rows(conn: psycopg.Connection, spec: UpsertSpec, rows: Iterable[Sequence[Any]]) -> int:
    """Upsert rows (in arrival order: for one key the last wins) in one transaction; returns rows written."""
    latest: dict[tuple, Sequence[Any]] = {}
    for row in rows:
        latest[spec.key_of(row)] = row
    if not latest:
        return 0
    create, copy_statement, insert = _statements(spec)
    with conn.transaction(), conn.cursor() as cursor:
        cursor.execute(create)
        with cursor.copy(copy_statement) as copy:
            for row in latest.values():
                copy.write_row(row)
        cursor.execute(insert)
    return len(latest)


class PostgresUpsertSink(BatchingSink):
    """A Quix Streams sink: each checkpoint's batch becomes one idempotent upsert per table.

    ``to_rows(value)`` maps a message value to the rows it contributes (none, one or several). A database
    that is down is signalled to the framework as backpressure, with a growing, jittered delay.
    """

    def __init__(
        self, database_url: str, spec: UpsertSpec, to_rows: Callable[[Any], Iterable[Sequence[Any]]]
    ) -> None:
        super().__init__()
        self.database_url, self.spec, self.to_rows = database_url, spec, to_rows
        self._conn: psycopg.Connection | None = None
        self._failures = 0

    def setup(self) -> None:
        self._connect()

    def _connect(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self.database_url, connect_timeout=5)
        return self._conn

    def write(self, batch: SinkBatch) -> None:
        rows = [row for item in batch for row in self.to_rows(item.value)]
        try:
            upsert_rows(self._connect(), self.spec, rows)
        except psycopg.OperationalError as error:
            self._failures += 1
            delay = min(30.0, 2 ** min(self._failures, 5)) * random.uniform(0.5, 1.0)
            log.warning(
                "PostgreSQL unavailable, retrying", extra={"table": self.spec.table, "retry_in_s": delay}
            )
            if self._conn is not None:
                self._conn.close()
            raise SinkBackpressureError(retry_after=delay) from error
        self._failures = 0
