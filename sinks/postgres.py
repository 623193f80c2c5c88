"""Idempotent batched upserts into PostgreSQL: COPY into a temporary table, then INSERT … ON CONFLICT.

External sinks are at-least-once even under exactly-once processing (a crash after the write and before
the commit re-delivers the batch), so every write is an upsert by natural key, and snapshot tables keep a
version column (e.g. ``as_of``) so an older row never overwrites a newer one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from quixstreams.sinks import SinkBatch

from sinks.batching import OrderedBatchingSink
from sinks.exceptions import SinkError
from sinks.metrics import measured_write

log = logging.getLogger(__name__)
RowsOf = Callable[[Any], Iterable[Sequence[Any]]]  # a message value → the rows it contributes to a table


@dataclass(frozen=True)
class UpsertSpec:
    table: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    # When set, a row replaces the stored one only if this column is not older (replays rewrite equal rows).
    version: str | None = None
    # Child rows (e.g. a loan's installments): the rows of a group replace all stored rows of that group
    # with an older or equal version, so an installment dropped from a newer schedule disappears too.
    group: tuple[str, ...] = ()
    # (column, values): a row whose column holds one of these values is final, and later rows of its key
    # change nothing (a completed payment or a reversal stays as first received, as the ledger counts it).
    final: tuple[str, tuple[str, ...]] | None = None

    def __post_init__(self) -> None:
        named = (*self.key, *self.group, *filter(None, [self.version, self.final and self.final[0]]))
        missing = [c for c in named if c not in self.columns]
        if missing:
            raise SinkError(f"{self.table}: key/group/version columns {missing} are not among the columns")
        if self.group and not self.version:
            raise SinkError(f"{self.table}: replacing groups of rows needs a version column")

    def key_of(self, row: Sequence[Any]) -> tuple:
        return tuple(row[self.columns.index(column)] for column in self.key)

    def group_of(self, row: Sequence[Any]) -> tuple:
        return tuple(row[self.columns.index(column)] for column in self.group)

    def version_of(self, row: Sequence[Any]) -> Any:
        return row[self.columns.index(self.version)] if self.version else None

    def is_final(self, row: Sequence[Any]) -> bool:
        return self.final is not None and row[self.columns.index(self.final[0])] in self.final[1]


# Replacing groups joins the batch's stage with the whole table by the group's columns. The stage is a
# temporary table that is never analysed, so once a batch is large enough (a thousand loans) the planner
# estimates a hash join over a sequential scan of the table as cheaper than a thousand index lookups: every
# batch then reads the whole table, and a bulk load slows down as the table grows (at 20,000 customers,
# 0.5 s per batch instead of 0.04 s). The group's columns lead the table's primary key, so index lookups are
# always right here: the planner is held to them for these statements only, without JIT compilation (the
# forced plans' cost estimates would trigger it, at 0.1 s a statement).
INDEX_JOINS_ONLY = "SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off; SET LOCAL jit = off; "
ANY_JOINS = "; RESET enable_hashjoin; RESET enable_mergejoin; RESET jit"


def with_index_lookups(statement: sql.Composable) -> sql.Composed:
    """``statement`` (joining a staging table with its target by an indexed key) run with the planner held
    to index lookups, as the group replacement below is; the settings are restored after it."""
    return sql.SQL(INDEX_JOINS_ONLY) + statement + sql.SQL(ANY_JOINS)


def _replace_groups(spec: UpsertSpec, columns: sql.Composable, action: sql.Composable) -> sql.Composed:
    """Delete the stored rows of each staged group that are not newer than the batch's, then insert the
    batch's rows of the groups that have no newer rows stored (one index lookup per group, not per row)."""
    table, stage = sql.Identifier(spec.table), sql.Identifier(f"stage_{spec.table}")
    names = sql.SQL(", ").join(map(sql.Identifier, spec.group))
    groups = sql.SQL("(SELECT DISTINCT {names}, {v} FROM {stage}) s").format(
        names=names, v=sql.Identifier(spec.version), stage=stage
    )
    same_group = sql.SQL(" AND ").join(sql.SQL("t.{0} = s.{0}").format(sql.Identifier(c)) for c in spec.group)
    fields = {
        "table": table,
        "stage": stage,
        "groups": groups,
        "g": same_group,
        "v": sql.Identifier(spec.version),
    }
    return with_index_lookups(
        sql.SQL("DELETE FROM {table} t USING {groups} WHERE {g} AND t.{v} <= s.{v}; ").format(**fields)
        + sql.SQL(
            "INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage} WHERE ({names}) NOT IN "
            "(SELECT {qualified} FROM {groups} "
            "WHERE EXISTS (SELECT 1 FROM {table} t WHERE {g} AND t.{v} > s.{v})) ON CONFLICT ({key}) "
        ).format(
            columns=columns,
            names=names,
            qualified=sql.SQL(", ").join(sql.SQL("s.{}").format(sql.Identifier(c)) for c in spec.group),
            key=sql.SQL(", ").join(map(sql.Identifier, spec.key)),
            **fields,
        )
        + action
    )


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
    if updates and spec.final:
        column, values = spec.final
        action += sql.SQL(" AND " if spec.version else " WHERE ") + sql.SQL(
            "({table}.{column} IS NULL OR {table}.{column} NOT IN ({values}))"
        ).format(
            table=table,
            column=sql.Identifier(column),
            values=sql.SQL(", ").join(map(sql.Literal, values)),
        )
    insert = (
        sql.SQL("INSERT INTO {table} ({columns}) SELECT {columns} FROM {stage} ON CONFLICT ({key}) ").format(
            table=table, columns=columns, stage=stage, key=sql.SQL(", ").join(map(sql.Identifier, spec.key))
        )
        + action
    )
    if spec.group:
        insert = _replace_groups(spec, columns, action)
    return create, copy, insert


def _latest_groups(spec: UpsertSpec, rows: Iterable[Sequence[Any]]) -> list[Sequence[Any]]:
    """Of each group keep only the rows of its newest version in this batch."""
    rows = list(rows)
    newest: dict[tuple, Any] = {}
    for row in rows:
        group, version = spec.group_of(row), spec.version_of(row)
        if group not in newest or version > newest[group]:
            newest[group] = version
    return [row for row in rows if spec.version_of(row) == newest[spec.group_of(row)]]


def upsert_rows(conn: psycopg.Connection, spec: UpsertSpec, rows: Iterable[Sequence[Any]]) -> int:
    """Upsert rows (in arrival order: for one key the last wins) in one transaction; returns rows written."""
    if spec.group:
        rows = _latest_groups(spec, rows)
    latest: dict[tuple, Sequence[Any]] = {}
    for row in rows:
        key = spec.key_of(row)
        if key not in latest or not spec.is_final(latest[key]):
            latest[key] = row
    if not latest:
        return 0
    create, copy_statement, insert = _statements(spec)
    with conn.transaction(), conn.cursor() as cursor:
        cursor.execute(create)
        # empty it explicitly: inside an enclosing transaction ON COMMIT has not cleared it yet
        cursor.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(f"stage_{spec.table}")))
        with cursor.copy(copy_statement) as copy:
            for row in latest.values():
                copy.write_row(row)
        cursor.execute(insert)
    return len(latest)


class PostgresSink(OrderedBatchingSink):
    """A Quix Streams sink writing each checkpoint's batch (in processing order, `sinks/batching.py`) to
    PostgreSQL in ``write_batch``; a database that is down is signalled to the framework as backpressure,
    with a growing, jittered delay, so the batch is retried later and nothing is lost."""

    tables = ""  # for the log line when the database is down

    def __init__(self, database_url: str) -> None:
        super().__init__()
        self.database_url = database_url
        self._conn: psycopg.Connection | None = None

    def setup(self) -> None:
        try:
            self._connect()
        except psycopg.OperationalError as error:
            # Not fatal: the first write signals backpressure and retries until the database is back.
            log.warning("PostgreSQL unavailable at start", extra={"tables": self.tables, "error": str(error)})

    def _connect(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            self._conn = psycopg.connect(self.database_url, connect_timeout=5)
        return self._conn

    def write_batch(self, conn: psycopg.Connection, batch: SinkBatch) -> None:
        raise NotImplementedError

    def write(self, batch: SinkBatch) -> None:
        try:
            with measured_write("postgres", self.tables, batch.size):
                self.write_batch(self._connect(), batch)
        except psycopg.OperationalError as error:
            if self._conn is not None:
                self._conn.close()
            raise self.back_off("postgres", self.tables, error, tables=self.tables) from error
        self.recovered()


class PostgresUpsertSink(PostgresSink):
    """Each checkpoint's batch becomes one idempotent upsert per table.

    Each target is ``(spec, rows_of)``: ``rows_of(value)`` maps a message value to the rows it contributes
    to that table (none, one or several); every table of a batch is written in one transaction, so a reader
    never sees a loan without its installments.
    """

    def __init__(self, database_url: str, *targets: tuple[UpsertSpec, RowsOf]) -> None:
        super().__init__(database_url)
        self.targets = targets
        self.tables = ",".join(spec.table for spec, _ in targets)

    def write_batch(self, conn: psycopg.Connection, batch: SinkBatch) -> None:
        with conn.transaction():
            for spec, rows_of in self.targets:
                upsert_rows(conn, spec, [row for item in batch for row in rows_of(item.value)])
