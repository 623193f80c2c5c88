"""The dashboard's aggregates (migrations 0013 and 0015) kept by statement-level triggers, checked against
figures computed in Python from the base tables and against `rebuild_aggregates`; then the endpoint's body.

Each part works in a PostgreSQL schema of its own, so the figures are exactly what the test wrote.
"""

from __future__ import annotations

import random
import threading
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial

import httpx
import psycopg
import pytest
from psycopg.types.json import Jsonb

from api.queries.dashboard import portfolio_summary, rebuild_aggregates
from contracts.admin import Role
from crm.settings import Settings
from domain.buckets import DEFAULT_BUCKETS
from infra.migrate import migrate
from infra.sandbox import schema_of_its_own
from processors.allocation.sink import write_history
from processors.delinquency.sinks import LOAN_DELINQUENCY, TRANSITIONS
from processors.entities.rows import LOANS, PAYMENTS
from processors.promises.sink import ACTIONS, PROMISES
from processors.queues.contacts import DEFAULT_CODES
from sinks.postgres import upsert_rows
from tests.api_client import SECRET, api_client, token

pytestmark = pytest.mark.integration
LABELS = DEFAULT_BUCKETS.labels


@pytest.fixture(scope="module")
def database(service_addresses, run_id) -> Iterator[str]:
    """A migrated schema of this module's own; its URL."""
    with schema_of_its_own(Settings(**service_addresses), f"agg_{run_id}", f"agg{run_id}.") as settings:
        migrate(settings.database_url)
        yield settings.database_url


@pytest.fixture
def conn(database) -> Iterator[psycopg.Connection]:
    with psycopg.connect(database, autocommit=True) as connection:
        yield connection


# --- what the aggregates must say, computed in Python from the base tables ---------------------------------


def expected(conn: psycopg.Connection) -> dict[str, dict]:
    buckets: dict = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    for bucket, currency, overdue, outstanding in conn.execute(
        "SELECT bucket, currency, overdue_amount, outstanding FROM loan_delinquency"
    ):
        figures = buckets[(bucket, currency)]
        figures[0] += 1
        figures[1] += overdue
        figures[2] += outstanding
    loan_currency = dict(conn.execute("SELECT account_number, currency FROM loans").fetchall())
    collected: dict = defaultdict(lambda: [Decimal(0), 0, 0])
    for account, paid_at, currency, amount, status in conn.execute(
        "SELECT account_number, paid_at, currency, amount, status FROM payments"
        " WHERE status IN ('COMPLETED', 'REVERSED')"
    ):
        if loan_currency.get(account, currency) != currency:
            continue  # the ledger dead-letters it: it pays nothing
        figures = collected[(paid_at.astimezone(UTC).date(), currency)]
        completed = status == "COMPLETED"
        figures[0] += amount if completed else -amount
        figures[1 if completed else 2] += 1
    promises = Counter(conn.execute("SELECT made_on, status FROM promises").fetchall())
    transitions = Counter(
        conn.execute(
            "SELECT business_date, kind, from_bucket, to_bucket FROM delinquency_transitions"
        ).fetchall()
    )
    workload = Counter(
        agent
        for (agent,) in conn.execute(
            "SELECT agent_id FROM agent_assignments WHERE valid_to IS NULL AND agent_id IS NOT NULL"
        )
    )
    activity: dict = defaultdict(lambda: [0, 0, 0])
    for at, agent, result in conn.execute("SELECT at, agent_id, result FROM actions"):
        figures = activity[(at.astimezone(UTC).date(), agent)]
        figures[0] += 1
        figures[1] += result in DEFAULT_CODES.right_party_results
        figures[2] += result == "PROMISE_TO_PAY"
    agent_promises = Counter(
        (made_on.replace(day=1), agent, status)
        for made_on, agent, status in conn.execute(
            "SELECT made_on, agent_id, status FROM promises WHERE agent_id IS NOT NULL"
        )
    )
    holders: dict = defaultdict(list)  # customer → the agents holding them now (CALL and FIELD rows)
    for cif, agent in conn.execute(
        "SELECT cif, agent_id FROM agent_assignments WHERE valid_to IS NULL AND agent_id IS NOT NULL"
    ):
        holders[cif].append(agent)
    customer_of = dict(conn.execute("SELECT account_number, cif FROM loans").fetchall())
    agent_collected: dict = defaultdict(lambda: [Decimal(0), 0, 0])
    for account, paid_at, currency, amount, status in conn.execute(
        "SELECT account_number, paid_at, currency, amount, status FROM payments"
        " WHERE status IN ('COMPLETED', 'REVERSED')"
    ):
        if loan_currency.get(account) != currency:
            continue  # of no known loan (so of no customer) or in another currency than its loan's
        for agent in holders[customer_of.get(account)]:
            figures = agent_collected[(paid_at.astimezone(UTC).date(), agent, currency)]
            completed = status == "COMPLETED"
            figures[0] += amount if completed else -amount
            figures[1 if completed else 2] += 1
    daily: dict = defaultdict(lambda: [0, 0, 0])
    for (day, _agent), figures in activity.items():
        daily[day] = [total + n for total, n in zip(daily[day], figures, strict=True)]
    return {
        "agg_buckets": {key: tuple(value) for key, value in buckets.items()},
        "agg_collected": {key: tuple(value) for key, value in collected.items()},
        "agg_promises": {key: (count,) for key, count in promises.items()},
        "agg_transitions": {key: (count,) for key, count in transitions.items()},
        "agg_agent_workload": {(agent,): (count,) for agent, count in workload.items()},
        "agg_agent_actions": {key: tuple(value) for key, value in activity.items()},
        "agg_actions": {(day,): tuple(value) for day, value in daily.items()},
        "agg_agent_promises": {key: (count,) for key, count in agent_promises.items()},
        "agg_agent_collected": {key: tuple(value) for key, value in agent_collected.items()},
    }


KEYS = {
    "agg_buckets": 2,
    "agg_collected": 2,
    "agg_promises": 2,
    "agg_transitions": 4,
    "agg_agent_workload": 1,
    "agg_agent_actions": 2,
    "agg_actions": 1,
    "agg_agent_promises": 3,
    "agg_agent_collected": 3,
}


def aggregates(conn: psycopg.Connection) -> dict[str, dict]:
    out = {}
    for table, width in KEYS.items():
        rows = conn.execute(f"SELECT * FROM {table}").fetchall()
        out[table] = {tuple(row[:width]): tuple(row[width:]) for row in rows}
    return out


def assert_current(conn: psycopg.Connection) -> None:
    """The triggers' figures equal Python's from the base tables, and a rebuild changes nothing."""
    kept = aggregates(conn)
    assert kept == expected(conn)
    rebuild_aggregates(conn)
    assert aggregates(conn) == kept


# --- writers as the sinks write ------------------------------------------------------------------------


def loan(account: str, bucket: str, revision: int, currency: str = "VND", overdue="0", outstanding="1000"):
    day = date(2026, 3, 1)
    return (
        account,
        f"C-{account}",
        currency,
        day,
        0,
        bucket,
        Decimal(overdue),
        Decimal(outstanding),
        None,
        None,
        revision,
    )


def payment(reference: str, amount: str, at: str, status: str = "COMPLETED", reverses: str | None = None):
    return (reference, "L-PAY", Decimal(amount), "VND", datetime.fromisoformat(at), "CASH", status, reverses)


def bank_loan(account: str, cif: str, as_of: str = "2026-03-01T00:00:00+00:00", currency: str = "VND"):
    """A `loans` row as the entities processor's sink writes it."""
    day = date(2026, 1, 1)
    return (
        account,
        cif,
        "PERSONAL_LOAN",
        currency,
        Decimal(1000),
        Decimal(900),
        day,
        day + timedelta(days=730),
        Decimal(12),
        24,
        "OPEN",
        Jsonb({}),
        "T24",
        datetime.fromisoformat(as_of),
    )


def held(cif: str, seq: int, agent: str | None, day: str, kind: str = "CALL") -> tuple:
    """An `agent_assignments` row as the allocation processor's sink writes it (`write_history` closes the
    customer's earlier current row of the same kind)."""
    return (cif, kind, seq, agent, "TEAM", "CAMP", date.fromisoformat(day), None, "why", 1)


def promise(
    action_id: str, made_on: str, status: str, agent: str | None = "AG", settled_on: str | None = None
):
    """A `promises` row; one kept or broken is judged on the day made unless ``settled_on`` says when."""
    day, due = date.fromisoformat(made_on), date.fromisoformat(made_on) + timedelta(days=5)
    settled = None if status == "PENDING" else date.fromisoformat(settled_on or made_on)
    return (action_id, "C-P", None, agent, day, due, Decimal(100), status, Decimal(0), day, settled)


def action(action_id: str, agent: str, result: str, at: str, kind: str = "CALL"):
    """An `actions` row as the promises processor's sink writes it."""
    at_time = datetime.fromisoformat(at)
    return (action_id, "C-A", None, agent, kind, "OUTBOUND", result, at_time, *([None] * 6), at_time.date())


def test_inserted_loans_are_counted_per_bucket_and_currency(conn):
    upsert_rows(
        conn,
        LOAN_DELINQUENCY,
        [
            loan("B-1", "CURRENT", 1),
            loan("B-2", "30-59", 1, overdue="250.50", outstanding="9000"),
            loan("B-3", "30-59", 1, overdue="100", outstanding="1000"),
            loan("B-4", "30-59", 1, currency="USD", overdue="7.25", outstanding="70"),
        ],
    )
    figures = aggregates(conn)["agg_buckets"]
    assert figures[("30-59", "VND")] == (2, Decimal("350.50"), Decimal("10000"))
    assert figures[("30-59", "USD")] == (1, Decimal("7.25"), Decimal("70"))
    assert_current(conn)


def test_an_update_moves_a_loan_between_buckets_and_an_emptied_bucket_disappears(conn):
    upsert_rows(conn, LOAN_DELINQUENCY, [loan("M-1", "60-89", 1, overdue="10")])
    upsert_rows(
        conn, LOAN_DELINQUENCY, [loan("M-1", "90-119", 2, overdue="12")]
    )  # INSERT … ON CONFLICT UPDATE
    figures = aggregates(conn)["agg_buckets"]
    assert ("60-89", "VND") not in figures and figures[("90-119", "VND")] == (1, Decimal(12), Decimal(1000))
    conn.execute(
        "UPDATE loan_delinquency SET bucket = '120-179' WHERE account_number = 'M-1'"
    )  # plain UPDATE
    conn.execute("DELETE FROM loan_delinquency WHERE account_number = 'B-1'")
    assert ("90-119", "VND") not in aggregates(conn)["agg_buckets"]
    assert_current(conn)


def test_re_upserting_the_same_rows_or_older_ones_touches_no_aggregate_row(conn):
    batch = [loan("I-1", "1-29", 5, overdue="3"), loan("I-2", "180+", 5, overdue="4")]
    upsert_rows(conn, LOAN_DELINQUENCY, batch)
    versions = dict(conn.execute("SELECT bucket || currency, xmin::text FROM agg_buckets").fetchall())
    upsert_rows(conn, LOAN_DELINQUENCY, batch)  # a redelivered batch: equal rows
    upsert_rows(conn, LOAN_DELINQUENCY, [loan("I-1", "CURRENT", 4)])  # older revision: refused by the guard
    assert dict(conn.execute("SELECT bucket || currency, xmin::text FROM agg_buckets").fetchall()) == versions
    assert_current(conn)


def test_payments_collected_per_day_completed_add_reversals_subtract_others_do_not_count(conn):
    upsert_rows(
        conn,
        PAYMENTS,
        [
            payment("PAY-1", "100", "2026-03-20T03:00:00+07:00"),  # 2026-03-19 in UTC
            payment("PAY-2", "40", "2026-03-20T09:00:00+00:00"),
            payment("PAY-3", "5", "2026-03-20T10:00:00+00:00", status="FAILED"),
            payment("PAY-4", "8", "2026-03-20T11:00:00+00:00", status="PENDING"),
        ],
    )
    upsert_rows(conn, PAYMENTS, [payment("PAY-2", "40", "2026-03-20T09:00:00+00:00")])  # the channel's repeat
    upsert_rows(conn, PAYMENTS, [payment("PAY-4", "8", "2026-03-20T11:00:00+00:00")])  # PENDING → COMPLETED
    upsert_rows(conn, PAYMENTS, [payment("UNDO-2", "40", "2026-03-21T08:00:00+00:00", "REVERSED", "PAY-2")])
    figures = aggregates(conn)["agg_collected"]
    assert figures[(date(2026, 3, 19), "VND")] == (Decimal(100), 1, 0)
    assert figures[(date(2026, 3, 20), "VND")] == (Decimal(48), 2, 0)
    assert figures[(date(2026, 3, 21), "VND")] == (Decimal(-40), 0, 1)
    assert_current(conn)


def agent_collected(conn: psycopg.Connection, cif_prefix: str) -> dict:
    """agg_agent_collected's rows of the agents named ``<cif_prefix>…`` (the test's own)."""
    figures = aggregates(conn)["agg_agent_collected"]
    return {key: value for key, value in figures.items() if key[1].startswith(cif_prefix)}


def pay(
    reference: str, account: str, amount: str, at: str, status="COMPLETED", reverses=None, currency="VND"
):
    """A `payments` row of ``account`` as the entities processor's sink writes it."""
    moment = datetime.fromisoformat(at)
    return (reference, account, Decimal(amount), currency, moment, "CASH", status, reverses)


def test_collections_follow_the_customer_whatever_order_payments_loans_and_assignments_arrive_in(conn):
    day, other_day = date(2026, 3, 20), date(2026, 3, 21)

    # a payment before its loan, a loan before its customer is assigned: nobody is credited yet
    upsert_rows(conn, PAYMENTS, [pay("FP-1", "FL-1", "100", "2026-03-20T09:00:00+00:00")])
    upsert_rows(conn, LOANS, [bank_loan("FL-1", "FC-1")])
    assert agent_collected(conn, "FA") == {}
    assert_current(conn)

    # the customer's call agent, then a field agent: each holds the customer, each is credited
    write_history(conn, [held("FC-1", 1, "FA-1", "2026-03-01")])
    assert agent_collected(conn, "FA") == {(day, "FA-1", "VND"): (Decimal(100), 1, 0)}
    write_history(conn, [held("FC-1", 1, "FA-2", "2026-03-01", kind="FIELD")])
    assert agent_collected(conn, "FA")[(day, "FA-2", "VND")] == (Decimal(100), 1, 0)
    assert_current(conn)

    # a second loan of the customer with a payment, a pending one completed, a reversal on the next day
    upsert_rows(conn, LOANS, [bank_loan("FL-2", "FC-1")])
    upsert_rows(
        conn,
        PAYMENTS,
        [
            pay("FP-2", "FL-2", "50", "2026-03-20T10:00:00+00:00", status="PENDING"),
            pay("FP-3", "FL-2", "7", "2026-03-20T11:00:00+00:00", status="FAILED"),
        ],
    )
    assert agent_collected(conn, "FA")[(day, "FA-1", "VND")] == (Decimal(100), 1, 0)
    upsert_rows(conn, PAYMENTS, [pay("FP-2", "FL-2", "50", "2026-03-20T10:00:00+00:00")])
    upsert_rows(conn, PAYMENTS, [pay("FP-1", "FL-1", "100", "2026-03-20T09:00:00+00:00")])  # a repeat
    upsert_rows(conn, PAYMENTS, [pay("FR-1", "FL-1", "100", "2026-03-21T08:00:00+00:00", "REVERSED", "FP-1")])
    figures = agent_collected(conn, "FA")
    assert figures[(day, "FA-1", "VND")] == (Decimal(150), 2, 0)
    assert figures[(other_day, "FA-1", "VND")] == (Decimal(-100), 0, 1)
    assert_current(conn)

    # the call agent changes: the customer's collections, past days included, go with the customer
    write_history(conn, [held("FC-1", 2, "FA-3", "2026-03-22")])
    figures = agent_collected(conn, "FA")
    assert not any(agent == "FA-1" for _, agent, _ in figures)
    assert figures[(day, "FA-3", "VND")] == (Decimal(150), 2, 0)
    assert figures[(day, "FA-2", "VND")] == (Decimal(150), 2, 0)  # the field agent still holds them
    assert_current(conn)

    # the bank moves a loan to another customer (held by FA-4), then the loan is gone
    write_history(conn, [held("FC-2", 1, "FA-4", "2026-03-01")])
    upsert_rows(conn, LOANS, [bank_loan("FL-2", "FC-2", as_of="2026-03-02T00:00:00+00:00")])
    figures = agent_collected(conn, "FA")
    assert figures[(day, "FA-4", "VND")] == (Decimal(50), 1, 0)
    assert figures[(day, "FA-3", "VND")] == (Decimal(100), 1, 0)
    assert_current(conn)
    conn.execute("DELETE FROM loans WHERE account_number = 'FL-2'")
    assert not any(agent == "FA-4" for _, agent, _ in agent_collected(conn, "FA"))

    # a customer who is no one's any more (an unassigned current row) credits nobody
    write_history(conn, [held("FC-1", 3, None, "2026-03-23")])
    assert not any(agent == "FA-3" for _, agent, _ in agent_collected(conn, "FA"))
    assert_current(conn)

    # deleted rows take their part away (and leave this module's other tests their own figures)
    conn.execute("DELETE FROM agent_assignments WHERE cif LIKE 'FC-%'")
    conn.execute("DELETE FROM payments WHERE account_number LIKE 'FL-%'")
    conn.execute("DELETE FROM loans WHERE account_number LIKE 'FL-%'")
    assert agent_collected(conn, "FA") == {}
    assert_current(conn)


def test_a_payment_in_another_currency_than_its_loans_is_not_collected_as_the_ledger_counts_nothing(conn):
    day, at = date(2026, 4, 10), "2026-04-10T09:00:00+00:00"

    def collected(currency: str) -> tuple | None:
        return aggregates(conn)["agg_collected"].get((day, currency))

    write_history(conn, [held("XC-1", 1, "XA-1", "2026-04-01")])
    upsert_rows(conn, LOANS, [bank_loan("XL-1", "XC-1")])  # in VND
    usd, vnd = pay("XP-1", "XL-1", "100", at, currency="USD"), pay("XP-2", "XL-1", "50", at)
    upsert_rows(conn, PAYMENTS, [usd, vnd])
    assert collected("USD") is None and collected("VND") == (Decimal(50), 1, 0)
    assert agent_collected(conn, "XA") == {(day, "XA-1", "VND"): (Decimal(50), 1, 0)}
    assert_current(conn)

    # a payment before its loan counts, as the ledger records it; the loan arrives in VND: it leaves
    upsert_rows(conn, PAYMENTS, [pay("XP-3", "XL-2", "7", at, currency="USD")])
    assert collected("USD") == (Decimal(7), 1, 0)
    upsert_rows(conn, LOANS, [bank_loan("XL-2", "XC-1")])
    assert collected("USD") is None
    assert_current(conn)

    # the bank corrects the loan's currency to USD: its USD payment counts, for the portfolio and the agent
    upsert_rows(conn, LOANS, [bank_loan("XL-2", "XC-1", as_of="2026-03-02T00:00:00+00:00", currency="USD")])
    assert collected("USD") == (Decimal(7), 1, 0)
    assert agent_collected(conn, "XA")[(day, "XA-1", "USD")] == (Decimal(7), 1, 0)
    # a reversal in the loan's currency subtracts; one in another currency does not
    upsert_rows(
        conn,
        PAYMENTS,
        [
            pay("XR-3", "XL-2", "7", "2026-04-10T10:00:00+00:00", "REVERSED", "XP-3", currency="USD"),
            pay("XR-2", "XL-1", "50", "2026-04-10T10:00:00+00:00", "REVERSED", "XP-2", currency="USD"),
        ],
    )
    assert collected("USD") == (Decimal(0), 1, 1) and collected("VND") == (Decimal(50), 1, 0)
    assert_current(conn)

    # a loan gone: its payments are of no known loan, all counted for the portfolio, none for an agent
    conn.execute("DELETE FROM loans WHERE account_number = 'XL-1'")
    assert collected("USD") == (Decimal(50), 2, 2)  # XP-1 and XR-2 join XP-3 and XR-3
    assert not any(currency == "VND" for (_, _, currency) in agent_collected(conn, "XA"))
    assert_current(conn)

    conn.execute("DELETE FROM agent_assignments WHERE cif LIKE 'XC-%'")
    conn.execute("DELETE FROM payments WHERE account_number LIKE 'XL-%'")
    conn.execute("DELETE FROM loans WHERE account_number LIKE 'XL-%'")
    assert collected("USD") is None and collected("VND") is None and agent_collected(conn, "XA") == {}
    assert_current(conn)


def test_a_loan_re_upserted_with_the_same_customer_takes_no_lock(conn):
    """The entities sink rewrites loans all day with new balances: only a change of customer (or a new or
    deleted loan) can move collections, so such an update must not queue behind the allocation sink."""
    upsert_rows(conn, LOANS, [bank_loan("NL-1", "NC-1")])
    with conn.transaction():
        upsert_rows(conn, LOANS, [bank_loan("NL-1", "NC-1", as_of="2026-03-05T00:00:00+00:00")])
        (held_locks,) = conn.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        ).fetchone()
    assert held_locks == 0
    assert conn.execute("SELECT as_of FROM loans WHERE account_number = 'NL-1'").fetchone()[0].day == 5
    conn.execute("DELETE FROM loans WHERE account_number = 'NL-1'")


def test_promises_move_between_statuses_of_the_day_they_were_made(conn):
    upsert_rows(
        conn, PROMISES, [promise("PR-1", "2026-03-20", "PENDING"), promise("PR-2", "2026-03-20", "PENDING")]
    )
    upsert_rows(conn, PROMISES, [promise("PR-1", "2026-03-20", "KEPT")])
    figures = aggregates(conn)["agg_promises"]
    assert figures[(date(2026, 3, 20), "PENDING")] == (1,) and figures[(date(2026, 3, 20), "KEPT")] == (1,)
    assert_current(conn)


def test_agents_actions_contacts_and_promises_per_day(conn):
    upsert_rows(
        conn,
        ACTIONS,
        [
            action("A-1", "AG-1", "NO_ANSWER", "2026-03-20T08:00:00+00:00"),
            action("A-2", "AG-1", "PROMISE_TO_PAY", "2026-03-20T09:00:00+00:00"),
            action("A-3", "AG-1", "REFUSED", "2026-03-20T23:30:00-02:00"),  # 2026-03-21 in UTC
            action("A-4", "AG-2", "CALLBACK", "2026-03-20T10:00:00+00:00", kind="VISIT"),
        ],
    )
    again = action("A-2", "AG-1", "PROMISE_TO_PAY", "2026-03-20T09:00:00+00:00")  # a redelivered action
    upsert_rows(conn, ACTIONS, [again])
    figures = aggregates(conn)["agg_agent_actions"]
    assert figures[(date(2026, 3, 20), "AG-1")] == (2, 1, 1)  # actions, right-party contacts, promises
    assert figures[(date(2026, 3, 21), "AG-1")] == (1, 1, 0)
    assert figures[(date(2026, 3, 20), "AG-2")] == (1, 1, 0)
    conn.execute("DELETE FROM actions WHERE action_id = 'A-4'")
    assert (date(2026, 3, 20), "AG-2") not in aggregates(conn)["agg_agent_actions"]

    upsert_rows(
        conn,
        PROMISES,
        [
            promise("PA-1", "2026-03-20", "PENDING", "AG-1"),
            promise("PA-2", "2026-03-20", "BROKEN", "AG-1"),
            promise("PA-3", "2026-03-20", "PENDING", None),  # taken by nobody: not an agent's
        ],
    )
    upsert_rows(conn, PROMISES, [promise("PA-1", "2026-03-20", "KEPT", "AG-1")])
    assert aggregates(conn)["agg_actions"][(date(2026, 3, 20),)] == (2, 1, 1)  # every agent's that day
    figures = aggregates(conn)["agg_agent_promises"]
    assert figures[(date(2026, 3, 1), "AG-1", "KEPT")] == (1,)  # per month made
    assert figures[(date(2026, 3, 1), "AG-1", "BROKEN")] == (1,)
    assert (date(2026, 3, 1), "AG-1", "PENDING") not in figures
    assert_current(conn)


def test_the_right_party_results_in_sql_are_the_compliance_rules_set(conn):
    (in_sql,) = conn.execute("SELECT dashboard_right_party_results()").fetchone()
    assert set(in_sql) == DEFAULT_CODES.right_party_results


def test_transitions_and_agents_workload_from_the_assignment_history(conn):
    upsert_rows(
        conn,
        TRANSITIONS,
        [
            ("T-1", 2, "C-T1", date(2026, 3, 20), "CURRENT", "1-29", "ENTRY", 1),
            ("T-2", 7, "C-T2", date(2026, 3, 20), "1-29", "30-59", "ROLL_FORWARD", 30),
        ],
    )

    def history(cif: str, seq: int, agent: str | None, day: str) -> tuple:
        return (cif, "CALL", seq, agent, "TEAM", "CAMP", date.fromisoformat(day), None, "why", 1)

    write_history(conn, [history("W-1", 1, "AG-1", "2026-03-01"), history("W-2", 1, "AG-1", "2026-03-01")])
    write_history(conn, [history("W-1", 2, "AG-2", "2026-03-05"), history("W-3", 1, None, "2026-03-05")])
    assert aggregates(conn)["agg_agent_workload"] == {("AG-1",): (1,), ("AG-2",): (1,)}
    assert_current(conn)


def test_a_write_naming_the_schema_from_another_search_path_adjusts_that_schemas_aggregates(
    conn, service_addresses, run_id
):
    schema = f"agg_{run_id}"
    with psycopg.connect(Settings(**service_addresses).database_url, autocommit=True) as elsewhere:
        elsewhere.execute("SET search_path = public")
        elsewhere.execute(
            f'INSERT INTO "{schema}".loan_delinquency VALUES'
            " ('S-1', 'C-S', 'EUR', '2026-03-01', 0, 'CURRENT', 0, 10, NULL, NULL, 1)"
        )
    assert aggregates(conn)["agg_buckets"][("CURRENT", "EUR")] == (1, Decimal(0), Decimal(10))
    assert_current(conn)


def test_truncating_a_base_table_empties_its_aggregate(conn):
    conn.execute("TRUNCATE delinquency_transitions")
    assert aggregates(conn)["agg_transitions"] == {}
    assert aggregates(conn)["agg_buckets"]  # the others are left alone
    assert_current(conn)


def run_together(*jobs: Callable[[], None]) -> None:
    """Run ``jobs`` in threads at the same time; fail with whatever any of them raised."""
    errors: list[BaseException] = []

    def guarded(job: Callable[[], None]) -> None:
        try:
            job()
        except BaseException as error:  # reported by the test thread
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors


def test_concurrent_writers_over_the_same_aggregate_rows_neither_deadlock_nor_lose_a_delta(database):
    """Three sink-like writers (disjoint loans, the same bucket and transition keys), each batch inserting new
    loans and updating earlier ones in one upsert, so both statement triggers fire: two sorted passes over
    the aggregate per statement. Small batches make their lock sets sparse: with agg_lock made a no-op this
    test failed with a deadlock in each of three runs."""

    def writer(name: str, seed: int) -> None:
        rng = random.Random(seed)
        with psycopg.connect(database, autocommit=True) as conn:
            for revision in range(1, 401):
                accounts = [f"{name}-{rng.randrange(40)}" for _ in range(3)]
                currencies = ("VND", "USD")
                loans = [loan(a, rng.choice(LABELS), revision, rng.choice(currencies), "1") for a in accounts]
                kind = rng.choice(LABELS[1:])
                move = (accounts[0], revision, "C", date(2026, 3, 20), "CURRENT", kind, "ENTRY", 1)
                with conn.transaction():  # one checkpoint of the delinquency sink
                    upsert_rows(conn, LOAN_DELINQUENCY, loans)
                    upsert_rows(conn, TRANSITIONS, [move])

    run_together(*(partial(writer, name, n) for n, name in enumerate(("WA", "WB", "WC"))))
    with psycopg.connect(database, autocommit=True) as conn:
        assert conn.execute(
            "SELECT count(*) FROM loan_delinquency WHERE account_number LIKE 'W_-%'"
        ).fetchone()[0]
        assert_current(conn)


def test_payments_and_moves_of_their_customers_written_at_once_are_counted_under_the_final_agent(database):
    """Two sinks at the same moment: one writes payments on a few customers' loans, the other keeps moving
    those customers between agents. The payment trigger reads who holds the customer, the assignment
    trigger reads the customer's payments; each takes the lock before reading, so whichever commits second
    sees the other's rows. With the lock taken only when applying, this test lost or doubled deltas."""
    customers = [f"MC-{n}" for n in range(4)]
    with psycopg.connect(database, autocommit=True) as conn:
        upsert_rows(conn, LOANS, [bank_loan(f"ML-{n}", cif) for n, cif in enumerate(customers)])
        write_history(conn, [held(cif, 1, "MA-0", "2026-03-01") for cif in customers])

    def payer() -> None:
        rng = random.Random(1)
        with psycopg.connect(database, autocommit=True) as conn:
            for n in range(300):
                account = f"ML-{rng.randrange(len(customers))}"
                paid_at = datetime(2026, 3, 20, tzinfo=UTC)
                row = (f"MP-{n}", account, Decimal(n + 1), "VND", paid_at, "CASH", "COMPLETED", None)
                upsert_rows(conn, PAYMENTS, [row])

    def mover() -> None:
        rng = random.Random(2)
        with psycopg.connect(database, autocommit=True) as conn:
            for seq in range(2, 302):
                moved = rng.sample(customers, 2)
                write_history(conn, [held(cif, seq, f"MA-{rng.randrange(3)}", "2026-03-02") for cif in moved])

    run_together(payer, mover)
    with psycopg.connect(database, autocommit=True) as conn:
        total = sum(value[0] for value in agent_collected(conn, "MA").values())
        assert total == sum(range(1, 301))  # each customer has exactly one call agent
        assert_current(conn)
        conn.execute("DELETE FROM agent_assignments WHERE cif LIKE 'MC-%'")
        conn.execute("DELETE FROM payments WHERE account_number LIKE 'ML-%'")
        conn.execute("DELETE FROM loans WHERE account_number LIKE 'ML-%'")


def test_payments_and_changes_of_their_loans_currency_written_at_once_are_counted_as_they_end(database):
    """The entities sink corrects loans' currencies back and forth while the payments sink writes USD
    payments on them: the payment trigger reads the loan, the loan trigger the payments, each after taking
    agg_collected's lock, so whichever commits second sees the other's rows. Once every loan ends in VND,
    no payment may be left counted. With neither trigger locking before it reads, it left deltas behind."""
    accounts = [f"QL-{n}" for n in range(3)]
    with psycopg.connect(database, autocommit=True) as conn:
        upsert_rows(conn, LOANS, [bank_loan(account, "QC-1") for account in accounts])

    def payer() -> None:
        rng = random.Random(3)
        with psycopg.connect(database, autocommit=True) as conn:
            for n in range(300):
                account = rng.choice(accounts)
                row = pay(f"QP-{n}", account, "3", "2026-04-11T09:00:00+00:00", currency="USD")
                with conn.transaction():  # the sinks' transactions write more (a loan's installments)
                    upsert_rows(conn, PAYMENTS, [row])
                    conn.execute("SELECT pg_sleep(0.002)")

    def corrector() -> None:
        rng = random.Random(4)
        with psycopg.connect(database, autocommit=True) as conn:
            for n in range(300):
                as_of = (datetime(2026, 3, 2, tzinfo=UTC) + timedelta(minutes=n)).isoformat()
                currency = rng.choice(["USD", "VND"])
                with conn.transaction():
                    upsert_rows(conn, LOANS, [bank_loan(rng.choice(accounts), "QC-1", as_of, currency)])
                    conn.execute("SELECT pg_sleep(0.002)")

    run_together(payer, corrector)
    with psycopg.connect(database, autocommit=True) as conn:
        upsert_rows(
            conn, LOANS, [bank_loan(account, "QC-1", "2026-03-03T00:00:00+00:00") for account in accounts]
        )
        assert (date(2026, 4, 11), "USD") not in aggregates(conn)["agg_collected"]
        assert_current(conn)
        conn.execute("DELETE FROM payments WHERE account_number LIKE 'QL-%'")
        conn.execute("DELETE FROM loans WHERE account_number LIKE 'QL-%'")


# --- the endpoint ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def portfolio(service_addresses, run_id, initialized) -> Iterator[Settings]:
    """A small book in a schema of its own, on business date 2026-03-20."""
    schema = f"dash_{run_id}"
    with schema_of_its_own(Settings(**service_addresses), schema, f"dash{run_id}.") as sandbox:
        migrate(sandbox.database_url)
        with psycopg.connect(sandbox.database_url, autocommit=True) as conn:
            upsert_rows(
                conn,
                LOAN_DELINQUENCY,
                [
                    loan("L1", "CURRENT", 1, outstanding="1000"),
                    loan("L2", "1-29", 1, overdue="100", outstanding="2000"),
                    loan("L3", "30-59", 1, overdue="300", outstanding="3000"),
                    loan("L4", "30-59", 1, currency="USD", overdue="5", outstanding="50"),
                    loan("L5", "CURRENT", 1, outstanding="500"),
                ],
            )
            conn.execute(
                "UPDATE loan_delinquency SET business_date = '2026-03-20' WHERE account_number = 'L1'"
            )
            upsert_rows(
                conn,
                TRANSITIONS,
                [
                    ("L2", 2, "C-L2", date(2026, 3, 20), "CURRENT", "1-29", "ENTRY", 1),
                    ("L3", 2, "C-L3", date(2026, 3, 20), "1-29", "30-59", "ROLL_FORWARD", 30),
                    ("L5", 2, "C-L5", date(2026, 3, 20), "30-59", "CURRENT", "CURE", 0),
                    ("L3", 1, "C-L3", date(2026, 3, 19), "CURRENT", "1-29", "ENTRY", 1),  # the day before
                ],
            )
            upsert_rows(
                conn,
                PAYMENTS,
                [
                    payment("P1", "100", "2026-03-20T03:00:00+00:00"),
                    payment("P2", "40", "2026-03-20T05:00:00+00:00", "REVERSED", "P0"),
                    payment("P3", "1000", "2026-03-05T05:00:00+00:00"),
                    payment("P4", "7", "2026-02-28T05:00:00+00:00"),  # last month
                    payment("P5", "999", "2026-03-20T06:00:00+00:00", "FAILED"),
                    payment("P6", "3", "2026-03-21T01:00:00+00:00"),  # after the business date
                    (
                        "P7",
                        "L4",
                        Decimal(5),
                        "USD",
                        datetime(2026, 3, 20, 8, tzinfo=UTC),
                        "CARD",
                        "COMPLETED",
                        None,
                    ),
                ],
            )
            upsert_rows(
                conn,
                PROMISES,
                [
                    promise("PR1", "2026-03-20", "PENDING", "AG-1"),
                    promise("PR2", "2026-03-20", "PENDING"),
                    promise("PR3", "2026-03-20", "KEPT", "AG-1"),
                    promise("PR4", "2026-03-02", "BROKEN", "AG-3"),
                    promise("PR5", "2026-03-02", "KEPT", "AG-1"),
                    promise("PR6", "2026-02-27", "KEPT", "AG-1"),  # last month
                    # judged today, made earlier: kept (paid today) and broken (its grace ended)
                    promise("PR7", "2026-03-10", "KEPT", None, settled_on="2026-03-20"),
                    promise("PR8", "2026-03-05", "BROKEN", None, settled_on="2026-03-20"),
                ],
            )
            upsert_rows(
                conn,
                ACTIONS,
                [
                    action("A1", "AG-1", "NO_ANSWER", "2026-03-20T08:00:00+00:00"),
                    action("A2", "AG-1", "PROMISE_TO_PAY", "2026-03-20T09:00:00+00:00"),
                    action("A3", "AG-3", "REFUSED", "2026-03-20T10:00:00+00:00"),
                    action("A4", "AG-1", "CALLBACK", "2026-03-05T10:00:00+00:00"),
                    action("A5", "AG-2", "PAID", "2026-02-27T10:00:00+00:00"),  # last month
                    action("A6", "AG-1", "NO_ANSWER", "2026-03-21T01:00:00+00:00"),  # after the business date
                ],
            )
            for agent, team, capacity, active in (
                ("AG-1", "T-A", 10, True),
                ("AG-2", "T-B", 0, False),
                ("AG-3", "T-A", 4, True),
            ):
                config = {
                    "agent_id": agent,
                    "name": f"Agent {agent}",
                    "team": team,
                    "type": "CALL",
                    "capacity": capacity,
                    "active": active,
                }
                conn.execute("INSERT INTO agents VALUES (%s, %s, now(), 'test')", (agent, Jsonb(config)))
            rows = [
                ("K1", 1, "AG-3", "2026-03-01"),
                ("K1", 2, "AG-1", "2026-03-10"),
                ("K2", 1, "AG-1", "2026-03-10"),
            ]
            rows += [
                ("K3", 1, "AG-1", "2026-03-10"),
                ("K4", 1, "AG-3", "2026-03-10"),
                ("K5", 1, None, "2026-03-10"),
            ]
            write_history(
                conn,
                [
                    (c, "CALL", s, a, "T-A", "CAMP", date.fromisoformat(d), None, "why", 1)
                    for c, s, a, d in rows
                ],
            )
            # the paid loans' customers: K2 (AG-1's) holds L-PAY, K4 (AG-3's) holds L4
            upsert_rows(conn, LOANS, [bank_loan("L-PAY", "K2"), bank_loan("L4", "K4", currency="USD")])
        yield initialized.model_copy(update={"database_url": sandbox.database_url, "jwt_secret": SECRET})


@pytest.fixture
async def client(portfolio) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(portfolio) as http:
        yield http


@pytest.mark.anyio
async def test_the_portfolio_dashboard_body(client):
    response = await client.get("/api/dashboard/portfolio", headers=token(Role.ADMIN))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["business_date"], body["month_start"], body["team"]) == ("2026-03-20", "2026-03-01", None)
    buckets = {
        (b["bucket"], b["currency"]): (b["accounts"], b["overdue"], b["outstanding"]) for b in body["buckets"]
    }
    assert [b["bucket"] for b in body["buckets"]][:4] == ["CURRENT", "CURRENT", "1-29", "1-29"]
    assert len(body["buckets"]) == 2 * len(LABELS)  # every bucket of each currency, zeros included
    assert buckets[("CURRENT", "VND")] == (2, "0", "1500")
    assert buckets[("30-59", "VND")] == (1, "300", "3000") and buckets[("30-59", "USD")] == (1, "5", "50")
    assert buckets[("180+", "USD")] == (0, "0", "0")
    assert body["collected"] == [
        {"currency": "USD", "today": "5", "this_month": "5"},
        {"currency": "VND", "today": "60", "this_month": "1060"},
    ]
    assert body["promises"] == {
        "today": {"made": 3, "kept": 1, "broken": 0, "pending": 2, "kept_rate": 1.0},
        "this_month": {"made": 7, "kept": 3, "broken": 2, "pending": 2, "kept_rate": 0.6},
        # judged today whatever day made: PR3 (made today), PR7 and PR8 (made earlier this month)
        "settled_today": {"kept": 2, "broken": 1},
    }
    assert body["activity"] == {
        "today": {"actions": 3, "contacts": 2, "promises": 1, "contact_rate": 0.666667, "promise_rate": 0.5},
        "this_month": {
            "actions": 4,
            "contacts": 3,
            "promises": 1,
            "contact_rate": 0.75,
            "promise_rate": 0.333333,
        },
    }
    rates = {
        r["from_bucket"]: (r["to_bucket"], r["accounts_at_start"], r["rolled_forward"], r["rate"])
        for r in body["roll_rates"]
    }
    assert rates["CURRENT"] == ("1-29", 2, 1, 0.5)  # L1, L2 at the start; L2 entered 1-29
    assert rates["1-29"] == ("30-59", 1, 1, 1.0) and rates["30-59"] == ("60-89", 2, 0, 0.0)
    assert rates["60-89"] == ("90-119", 0, 0, None) and "180+" not in rates
    assert body["cure_rate"] == {"delinquent_at_start": 3, "cured": 1, "rate": 0.333333}
    agents = {
        a["agent_id"]: (a["assigned"], a["capacity"], a["utilisation"], a["active"]) for a in body["agents"]
    }
    assert agents == {"AG-1": (3, 10, 0.3, True), "AG-2": (0, 0, None, False), "AG-3": (1, 4, 0.25, True)}
    work = {
        a["agent_id"]: (
            a["actions_today"],
            a["contacts_today"],
            a["promises_today"],
            a["promises_kept_this_month"],
            a["promises_broken_this_month"],
        )
        for a in body["agents"]
    }
    assert work == {"AG-1": (2, 1, 1, 2, 0), "AG-2": (0, 0, 0, 0, 0), "AG-3": (1, 1, 0, 0, 1)}
    collected = {a["agent_id"]: a["collected"] for a in body["agents"]}
    assert collected == {
        "AG-1": [{"currency": "VND", "today": "60", "this_month": "1060"}],  # all of L-PAY's, as above
        "AG-2": [],
        "AG-3": [{"currency": "USD", "today": "5", "this_month": "5"}],
    }
    assert body["agents_total"] == 3
    assert body["agents_sum"] == {
        "agents": 3,
        "assigned": 4,
        "capacity": 14,
        "utilisation": 0.285714,
        "actions_today": 3,
        "contacts_today": 2,
        "promises_today": 1,
        "promises_kept_this_month": 2,
        "promises_broken_this_month": 1,
        "collected": [
            {"currency": "USD", "today": "5", "this_month": "5"},
            {"currency": "VND", "today": "60", "this_month": "1060"},
        ],
    }


async def _agents(client, headers: dict | None = None, **params) -> tuple[list[str], int, int]:
    """The agents listed, how many hold the find, and how many the sum adds up."""
    response = await client.get(
        "/api/dashboard/portfolio", params=params, headers=headers or token(Role.ADMIN)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    return [a["agent_id"] for a in body["agents"]], body["agents_total"], body["agents_sum"]["agents"]


@pytest.mark.anyio
async def test_the_agents_are_listed_a_page_at_a_time_and_found_by_name_id_or_team(client):
    assert await _agents(client, agents_limit=1, agents_offset=1) == (["AG-2"], 3, 3)
    assert await _agents(client, agents_offset=3) == ([], 3, 3)
    assert await _agents(client, agents_find="t-a") == (["AG-1", "AG-3"], 2, 3)  # the team; any case
    assert await _agents(client, agents_find="  ÁGENT AG-3 ") == (["AG-3"], 1, 3)  # the name; accents or not
    assert await _agents(client, agents_find="nobody") == ([], 0, 3)  # the sum stays everyone's
    team = token(Role.SUPERVISOR, team="T-A")
    assert await _agents(client, team, agents_find="ag-2") == ([], 0, 2)  # only their team's agents
    for params in ({"agents_limit": 0}, {"agents_limit": 1001}, {"agents_offset": -1}, {"agents_find": ""}):
        response = await client.get("/api/dashboard/portfolio", params=params, headers=token(Role.ADMIN))
        assert response.status_code == 422, params


@pytest.mark.anyio
async def test_a_team_supervisor_sees_their_teams_agents_and_the_whole_portfolio(client):
    mine = (await client.get("/api/dashboard/portfolio", headers=token(Role.SUPERVISOR, team="T-A"))).json()
    everyone = (await client.get("/api/dashboard/portfolio", headers=token(Role.SUPERVISOR))).json()
    assert [a["agent_id"] for a in mine["agents"]] == ["AG-1", "AG-3"] and mine["team"] == "T-A"
    assert [a["agent_id"] for a in everyone["agents"]] == ["AG-1", "AG-2", "AG-3"]
    assert mine["buckets"] == everyone["buckets"] and mine["collected"] == everyone["collected"]
    assert mine["activity"] == everyone["activity"]  # portfolio-wide, as the other figures
    assert mine["agents_sum"]["assigned"] == 4 and mine["agents_sum"]["capacity"] == 14  # AG-1 and AG-3
    assert mine["agents_sum"]["collected"] == everyone["agents_sum"]["collected"]  # AG-2 collected nothing


@pytest.mark.anyio
async def test_only_supervisors_and_admins_read_the_dashboard(client):
    for role, agent in ((Role.AGENT, "AG-1"), (Role.INTEGRATION, None)):
        response = await client.get("/api/dashboard/portfolio", headers=token(role, agent))
        assert response.status_code == 403, role
    assert (await client.get("/api/dashboard/portfolio")).status_code == 401


def test_portfolio_summary_is_the_json_body_for_other_callers(portfolio):
    with psycopg.connect(portfolio.database_url, autocommit=True) as conn:
        summary = portfolio_summary(conn, "T-B")
    assert summary["business_date"] == "2026-03-20" and [a["agent_id"] for a in summary["agents"]] == ["AG-2"]
    assert summary["collected"][1] == {"currency": "VND", "today": "60", "this_month": "1060"}
