"""Where assignments land in PostgreSQL (migration 0008): the type-2 history ``agent_assignments``; and
the decisions on supervisors' reassignments, ``reassignment_decisions`` (migration 0025).

One row per change of a customer's agent of one type, numbered by ``seq`` (`processors.allocation.logic`).
A row is current until the next one of its (cif, agent_type) begins: ``valid_to`` is the next row's
``valid_from`` and the newest row has none. A batch is written in one transaction, in three steps that never
leave two current rows for one (cif, agent_type) (the partial unique index would refuse them):

1. every row of the batch is upserted by (cif, agent_type, seq) as *closed* (valid_to = valid_from); a row
   already there keeps its valid_to;
2. for every (cif, agent_type) in the batch, each row's valid_to is set to the next row's valid_from;
3. then the newest row of each is opened (valid_to NULL).

Rows of one customer can come from two pools (a move between teams) in any order, and a batch can come
twice after a crash: the intervals are recomputed from the rows, so the result is the same either way.
"""

from __future__ import annotations

import logging
from datetime import date

import psycopg
from psycopg import sql
from quixstreams.sinks import SinkBatch

from processors.allocation.logic import ASSIGNMENTS, DECISIONS, Made
from processors.common.routing import Routed
from sinks.postgres import PostgresSink, with_index_lookups

log = logging.getLogger(__name__)
TABLE = "agent_assignments"
COLUMNS = (
    "cif",
    "agent_type",
    "seq",
    "agent_id",
    "team",
    "campaign_id",
    "valid_from",
    "valid_to",
    "reason",
    "strategy_version",
)
# A record made before the pool saw any business date (rare: strategy assignments carry one).
BEFORE_ANY_BUSINESS_DATE = date.min


class AssignmentOut(Routed):
    """An `assignments` record and its place in the customer's history (``seq``, not on the wire)."""

    __slots__ = ("seq",)

    def __init__(self, key: str, record: dict, seq: int) -> None:
        super().__init__(ASSIGNMENTS, key, record)
        self.seq = seq


def made_outputs(made: Made) -> list[Routed]:
    """The outputs of what a request or reassignment made: its assignment changes, then its decisions."""
    outputs: list[Routed] = [AssignmentOut(change.cif, change.record, change.seq) for change in made.changes]
    outputs += [Routed(DECISIONS, decision.override_id, decision.record) for decision in made.decisions]
    return outputs


_STAGE = "stage_agent_assignments"
_CREATE = f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE} (LIKE {TABLE} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
_COPY = sql.SQL("COPY {} ({}) FROM STDIN").format(
    sql.Identifier(_STAGE), sql.SQL(", ").join(map(sql.Identifier, COLUMNS))
)
_UPSERT_CLOSED = f"""
INSERT INTO {TABLE} ({", ".join(COLUMNS)})
SELECT cif, agent_type, seq, agent_id, team, campaign_id, valid_from, valid_from, reason, strategy_version
FROM {_STAGE}
ON CONFLICT (cif, agent_type, seq) DO UPDATE SET
    agent_id = EXCLUDED.agent_id, team = EXCLUDED.team, campaign_id = EXCLUDED.campaign_id,
    valid_from = EXCLUDED.valid_from, reason = EXCLUDED.reason, strategy_version = EXCLUDED.strategy_version
"""
_INTERVALS = f"""
WITH touched AS (SELECT DISTINCT cif, agent_type FROM {_STAGE}),
wanted AS (
    SELECT a.cif, a.agent_type, a.seq,
           lead(a.valid_from) OVER (PARTITION BY a.cif, a.agent_type ORDER BY a.seq) AS valid_to
    FROM {TABLE} a JOIN touched USING (cif, agent_type)
)
UPDATE {TABLE} t SET valid_to = w.valid_to
FROM wanted w
WHERE t.cif = w.cif AND t.agent_type = w.agent_type AND t.seq = w.seq
"""
# both join the touched (customer, type) pairs with the table by its key: index lookups, whatever the size
# of the batch (sinks.postgres.with_index_lookups)
_CLOSE = with_index_lookups(
    sql.SQL(_INTERVALS + " AND w.valid_to IS NOT NULL AND t.valid_to IS DISTINCT FROM w.valid_to")
)
_OPEN = with_index_lookups(sql.SQL(_INTERVALS + " AND w.valid_to IS NULL AND t.valid_to IS NOT NULL"))


def history_row(value: object) -> tuple | None:
    """The table row of an `AssignmentOut` (None for anything else on the stream)."""
    if not isinstance(value, AssignmentOut):
        return None
    day = value["business_date"]
    return (
        value["cif"],
        value["agent_type"],
        value.seq,
        value["agent_id"],
        value["team"],
        value["campaign_id"],
        date.fromisoformat(day) if day else BEFORE_ANY_BUSINESS_DATE,
        None,
        value["reason"],
        value["strategy_version"],
    )


def write_history(conn: psycopg.Connection, rows: list[tuple]) -> int:
    """Write history rows (any order, repeats allowed: the last of one key wins) in one transaction."""
    latest = {row[:3]: row for row in rows}
    if not latest:
        return 0
    with conn.transaction(), conn.cursor() as cursor:
        cursor.execute(_CREATE)
        cursor.execute(f"DELETE FROM {_STAGE}")  # inside an enclosing transaction ON COMMIT has not run yet
        with cursor.copy(_COPY) as copy:
            for row in latest.values():
                copy.write_row(row)
        cursor.execute(_UPSERT_CLOSED)
        cursor.execute(_CLOSE)
        cursor.execute(_OPEN)
    return len(latest)


# A decision stands once made, but for KEPT_FOR_STAY, which the one taken as the stay begins replaces.
_DECISION_COLUMNS = (
    "override_id",
    "cif",
    "team",
    "agent_type",
    "agent_id",
    "outcome",
    "reason",
    "business_date",
)
_UPSERT_DECISION = """
INSERT INTO reassignment_decisions AS d
    (override_id, cif, team, agent_type, agent_id, outcome, reason, business_date)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (override_id) DO UPDATE SET
    agent_id = EXCLUDED.agent_id, outcome = EXCLUDED.outcome, reason = EXCLUDED.reason,
    business_date = EXCLUDED.business_date, decided_at = now()
WHERE d.outcome = 'KEPT_FOR_STAY' AND EXCLUDED.outcome <> 'KEPT_FOR_STAY'
"""


def decision_row(value: object) -> tuple | None:
    """The ``reassignment_decisions`` row of an `allocation.decisions` output (None for anything else)."""
    if not isinstance(value, Routed) or value.topic != DECISIONS:
        return None
    return tuple(value[column] for column in _DECISION_COLUMNS)


def write_decisions(conn: psycopg.Connection, rows: list[tuple]) -> None:
    """Write decisions in the order they were taken (one kept for its stay, then the one that replaces it)."""
    if rows:
        with conn.transaction(), conn.cursor() as cursor:
            cursor.executemany(_UPSERT_DECISION, rows)


class AssignmentHistorySink(PostgresSink):
    """Each checkpoint's assignments into ``agent_assignments`` and decisions into ``reassignment_decisions``
    (few: people make them), in one transaction; a database that is down is backpressure."""

    tables = f"{TABLE}, reassignment_decisions"

    def write_batch(self, conn: psycopg.Connection, batch: SinkBatch) -> None:
        history, decisions = [], []
        for item in batch:
            if (row := history_row(item.value)) is not None:
                history.append(row)
            elif (row := decision_row(item.value)) is not None:
                decisions.append(row)
        with conn.transaction():
            write_history(conn, history)
            write_decisions(conn, decisions)
