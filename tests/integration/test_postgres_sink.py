from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import psycopg
import pytest
from quixstreams.sinks import SinkBackpressureError
from quixstreams.sinks.base.batch import SinkBatch

from sinks.exceptions import SinkError
from sinks.postgres import PostgresUpsertSink, UpsertSpec, upsert_rows

pytestmark = pytest.mark.integration

SPEC = UpsertSpec(
    "sink_test", ("account_number", "dpd", "overdue", "as_of"), key=("account_number",), version="as_of"
)
T1, T2 = datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 2, 2, tzinfo=UTC)


@pytest.fixture
def conn(settings):
    with psycopg.connect(settings.database_url) as connection:
        connection.execute(
            "CREATE TABLE sink_test"
            " (account_number text PRIMARY KEY, dpd int, overdue numeric, as_of timestamptz)"
        )
        connection.commit()
        yield connection
        connection.rollback()
        connection.execute("DROP TABLE sink_test")
        connection.commit()


def table(conn) -> list[tuple]:
    return conn.execute("SELECT * FROM sink_test ORDER BY 1").fetchall()


def test_upserts_are_idempotent_and_the_last_row_of_a_key_wins(conn):
    rows = [("LN1", 5, Decimal("10.50"), T1), ("LN2", 0, Decimal("0"), T1), ("LN1", 6, Decimal("11.25"), T1)]
    assert upsert_rows(conn, SPEC, rows) == 2
    once = table(conn)
    assert once == [("LN1", 6, Decimal("11.25"), T1), ("LN2", 0, Decimal("0"), T1)]
    upsert_rows(conn, SPEC, rows)  # a re-delivered batch
    assert table(conn) == once


def test_an_older_version_never_overwrites_a_newer_one(conn):
    upsert_rows(conn, SPEC, [("LN1", 40, Decimal("300"), T2)])
    upsert_rows(conn, SPEC, [("LN1", 10, Decimal("100"), T1)])
    assert table(conn) == [("LN1", 40, Decimal("300"), T2)]
    upsert_rows(conn, SPEC, [("LN1", 0, Decimal("0"), T2)])  # same version: the replayed value is rewritten
    assert table(conn) == [("LN1", 0, Decimal("0"), T2)]


def test_the_sink_writes_a_batch_of_messages(conn, settings):
    sink = PostgresUpsertSink(
        settings.database_url, (SPEC, lambda v: [(v["account"], v["dpd"], Decimal(v["overdue"]), T1)])
    )
    sink.setup()
    batch = SinkBatch("delinquency.loans", 0)
    for offset, (account, dpd) in enumerate((("LN7", 31), ("LN8", 0), ("LN7", 32))):
        batch.append(
            value={"account": account, "dpd": dpd, "overdue": "1.10"},
            key=account,
            timestamp=0,
            headers=[],
            offset=offset,
        )
    sink.write(batch)
    assert table(conn) == [("LN7", 32, Decimal("1.10"), T1), ("LN8", 0, Decimal("1.10"), T1)]


def test_the_last_record_of_a_key_wins_across_the_input_topics_of_a_merged_stream(conn, settings):
    """A processor merging topics (strategy) can emit a key's records from several input topics within one
    checkpoint; the newest must be the one that stays, whatever topic the older came from."""
    sink = PostgresUpsertSink(settings.database_url, (SPEC, lambda v: [(v[0], v[1], Decimal(0), T1)]))
    sink.setup()
    # The framework's own batches would be written delinquency's first (LN2, then LN1 at 90), then promises'
    # (LN1 at 60): the older LN1 last.
    arrivals = [
        ("delinquency.customers", ("LN2", 5)),
        ("promises", ("LN1", 60)),
        ("delinquency.customers", ("LN1", 90)),
    ]
    for offset, (topic, value) in enumerate(arrivals):
        sink.add(value, value[0], 0, [], topic, 0, offset)
    sink.flush()
    assert table(conn) == [("LN1", 90, Decimal(0), T1), ("LN2", 5, Decimal(0), T1)]


def test_a_database_that_is_down_is_backpressure_not_a_crash():
    sink = PostgresUpsertSink("postgresql://crm:crm@127.0.0.1:1/crm", (SPEC, lambda v: [v]))
    batch = SinkBatch("t", 0)
    batch.append(value=("LN1", 1, Decimal(1), T1), key="LN1", timestamp=0, headers=[], offset=0)
    with pytest.raises(SinkBackpressureError) as error:
        sink.write(batch)
    assert 0 < error.value.retry_after <= 30


def test_a_spec_whose_key_is_not_a_column_is_refused():
    with pytest.raises(SinkError, match="key/group/version columns"):
        UpsertSpec("t", ("a", "b"), key=("c",))
    with pytest.raises(SinkError, match=r"columns \['state'\] are not"):
        UpsertSpec("t", ("a", "b"), key=("a",), final=("state", ("DONE",)))


SETTLED = UpsertSpec(
    "sink_settled", ("ref", "amount", "status"), key=("ref",), final=("status", ("COMPLETED", "REVERSED"))
)


@pytest.fixture
def settled(settings):
    with psycopg.connect(settings.database_url) as connection:
        connection.execute("CREATE TABLE sink_settled (ref text PRIMARY KEY, amount numeric, status text)")
        connection.commit()
        yield connection
        connection.rollback()
        connection.execute("DROP TABLE sink_settled")
        connection.commit()


def test_a_final_row_stays_as_first_written_in_later_batches_and_within_one(settled):
    def stored():
        return settled.execute("SELECT ref, amount, status FROM sink_settled ORDER BY 1").fetchall()

    upsert_rows(settled, SETTLED, [("P1", Decimal("100"), "PENDING")])
    upsert_rows(settled, SETTLED, [("P1", Decimal("120"), "COMPLETED")])  # not final yet: it changes
    assert stored() == [("P1", Decimal("120"), "COMPLETED")]
    upsert_rows(settled, SETTLED, [("P1", Decimal("300"), "COMPLETED")])  # another amount: the ledger refuses
    upsert_rows(settled, SETTLED, [("P1", Decimal("120"), "FAILED")])  # and undoes nothing
    assert stored() == [("P1", Decimal("120"), "COMPLETED")]

    statuses = [("1", "PENDING"), ("2", "COMPLETED"), ("3", "COMPLETED"), ("2", "FAILED")]
    upsert_rows(settled, SETTLED, [("P2", Decimal(amount), status) for amount, status in statuses])
    assert stored()[1] == ("P2", Decimal("2"), "COMPLETED")

    upsert_rows(settled, SETTLED, [("R1", Decimal("50"), "REVERSED")])  # each final state is
    upsert_rows(settled, SETTLED, [("R1", Decimal("70"), "REVERSED"), ("R1", Decimal("50"), "PENDING")])
    assert stored()[2] == ("R1", Decimal("50"), "REVERSED")


CHILDREN = UpsertSpec(
    "sink_children",
    ("account_number", "due_date", "amount", "as_of"),
    key=("account_number", "due_date"),
    version="as_of",
    group=("account_number",),
)


def test_a_newer_group_of_rows_replaces_the_older_one_and_never_the_reverse(conn):
    conn.execute(
        "CREATE TABLE sink_children (account_number text, due_date int, amount int, as_of timestamptz,"
        " PRIMARY KEY (account_number, due_date))"
    )
    upsert_rows(
        conn, CHILDREN, [("LN1", 1, 10, T1), ("LN1", 2, 20, T1), ("LN1", 3, 30, T1), ("LN2", 1, 5, T1)]
    )
    # a restructured schedule: two installments instead of three
    upsert_rows(conn, CHILDREN, [("LN1", 1, 10, T2), ("LN1", 2, 45, T2)])
    rows = conn.execute("SELECT * FROM sink_children ORDER BY 1, 2").fetchall()
    assert rows == [("LN1", 1, 10, T2), ("LN1", 2, 45, T2), ("LN2", 1, 5, T1)]
    upsert_rows(conn, CHILDREN, [("LN1", 1, 10, T1), ("LN1", 2, 20, T1), ("LN1", 3, 30, T1)])  # late, old
    assert conn.execute("SELECT * FROM sink_children ORDER BY 1, 2").fetchall() == rows
    # within one batch only the newest version of a group counts
    upsert_rows(conn, CHILDREN, [("LN3", 1, 1, T2), ("LN3", 2, 2, T2), ("LN3", 1, 9, T1)])
    assert conn.execute(
        "SELECT due_date, amount FROM sink_children WHERE account_number = 'LN3'"
    ).fetchall() == [
        (1, 1),
        (2, 2),
    ]
    conn.execute("DROP TABLE sink_children")


def _scans(conn, table: str) -> tuple[int, int]:
    """(sequential scans, index scans) of ``table`` so far, as the statistics collector has them now."""
    conn.execute("SELECT pg_stat_force_next_flush()")
    conn.commit()  # the counts are flushed when the session goes idle
    conn.execute("SELECT pg_stat_clear_snapshot()")
    scans = conn.execute(
        "SELECT seq_scan, coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relid = %s::regclass", (table,)
    ).fetchone()
    conn.commit()
    return scans


def test_replacing_groups_looks_each_group_up_instead_of_reading_the_whole_table(conn):
    # A bulk load: the table's statistics were taken when it was small and the batch's stage is never
    # analysed, which once made the planner hash-join every batch against the whole table.
    conn.execute(
        "CREATE TABLE sink_children (account_number text, due_date int, amount int, as_of timestamptz,"
        " PRIMARY KEY (account_number, due_date))"
    )
    insert = (
        "INSERT INTO sink_children SELECT 'LN' || i, d, 1, %s FROM generate_series(%s::int, %s::int) i,"
        " generate_series(1, 24) d"
    )
    conn.execute(insert, (T1, 1, 100))
    conn.execute("ANALYZE sink_children")
    conn.execute(insert, (T1, 101, 20_000))
    conn.commit()
    before = _scans(conn, "sink_children")
    batch = [(f"LN{i}", d, 2, T2) for i in range(10_001, 11_001) for d in range(1, 25)]  # 1,000 loans
    batch += [(f"LN{i}", d, 2, T2) for i in range(30_001, 31_001) for d in range(1, 25)]  # 1,000 new ones
    with conn.transaction():
        upsert_rows(conn, CHILDREN, batch)
        assert conn.execute("SHOW enable_hashjoin").fetchone() == ("on",)  # held for its statements only
    after = _scans(conn, "sink_children")
    seq_scans, index_scans = after[0] - before[0], after[1] - before[1]
    assert seq_scans == 0
    assert index_scans >= 2_000
    changed = "SELECT count(*) FROM sink_children WHERE as_of = %s"
    assert conn.execute(changed, (T2,)).fetchone() == (48_000,)
    conn.execute("DROP TABLE sink_children")
    conn.commit()
