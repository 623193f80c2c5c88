"""The demo's simulator against real PostgreSQL and Kafka: a new business date brings the installments
falling due on current loans, paid on their date, and customers who have just fallen behind (the first
date it sees brings neither: a run that starts on a date may find that date's already there)."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import orjson
import psycopg
import pytest
from psycopg.types.json import Jsonb

from crm.generator.names import CITY_COORDINATES
from crm.generator.newcomers import early_target, newcomer_index, newcomers_due
from crm.simulator import TODAY_REFRESH_S, ActivitySimulator, delinquent_loans
from tests.kafka_helpers import read_all
from tests.services import initialized_namespace
from topics import physical_name

pytestmark = pytest.mark.integration

DAY = date(2027, 3, 16)
CUSTOMERS = 300
CURRENT_LOANS = 40


@pytest.fixture(scope="module")
def world(service_addresses, run_id, cli_env):
    with initialized_namespace(service_addresses, f"sim{run_id}", cli_env) as (settings, _env):
        yield settings


def _book(settings) -> None:
    """A portfolio's tables as the sinks leave them: customers, current loans with an installment falling due
    the next day, and one loan in arrears (what the simulator's payments and calls are about)."""
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO customers (cif, type, name, segment, status, source_system, updated_at)"
            " SELECT 'C' || lpad(g::text, 9, '0'), 'INDIVIDUAL', 'Customer ' || g, 'MASS', 'ACTIVE', 'T24',"
            " now()"
            " FROM generate_series(1, %s) g",
            (CUSTOMERS,),
        )
        conn.execute(
            "INSERT INTO loan_delinquency (account_number, cif, currency, business_date, dpd, bucket,"
            " overdue_amount, outstanding, revision)"
            " SELECT 'LN-CUR-' || g, 'C' || lpad(g::text, 9, '0'), 'VND', %s, 0, 'CURRENT', 0, 9000000, 1"
            " FROM generate_series(1, %s) g"
            " UNION ALL SELECT 'LN-LATE', 'C000000300', 'VND', %s, 40, '30-59', 500000, 900000, 1",
            (DAY, CURRENT_LOANS, DAY),
        )
        conn.execute(
            "INSERT INTO installments (account_number, due_date, principal, interest, fees, penalty, paid)"
            " SELECT 'LN-CUR-' || g, %s, 400000, 100000, 0, 0, 0 FROM generate_series(1, %s) g",
            (DAY + timedelta(days=1), CURRENT_LOANS),
        )


def _wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(what)
        time.sleep(0.2)


def test_a_new_business_date_pays_the_installments_due_and_brings_customers_fallen_behind(world):
    settings = world
    _book(settings)
    simulator = ActivitySimulator(settings, rate=20, seed=1)
    stop = threading.Event()
    running = threading.Thread(target=simulator.run, args=(stop,), daemon=True)
    running.start()
    try:
        _wait_for(lambda: simulator.counts.payments > 0, 30, "the simulator did not start")
        time.sleep(TODAY_REFRESH_S + 0.5)  # it has looked at the date it starts on, more than once
        assert (simulator.counts.on_time, simulator.counts.fell_behind) == (0, 0)
        with psycopg.connect(settings.database_url, autocommit=True) as conn:
            conn.execute("UPDATE loan_delinquency SET business_date = %s", (DAY + timedelta(days=1),))
        _wait_for(lambda: simulator.counts.fell_behind > 0, 30, "the new date brought no one")
    finally:
        stop.set()
        running.join(60)
    tomorrow = DAY + timedelta(days=1)

    due = newcomers_due(early_target(CUSTOMERS), early_now=0)
    customers = read_all(settings.kafka_brokers, physical_name("bank.customers", settings), idle=2)
    assert {orjson.loads(value)["cif"] for _key, value in customers} == {
        f"C{newcomer_index(tomorrow, n):09d}" for n in range(due)
    }
    loans = read_all(settings.kafka_brokers, physical_name("bank.loans", settings), idle=1)
    assert {orjson.loads(value)["cif"] for _key, value in loans} == {
        orjson.loads(value)["cif"] for _key, value in customers
    }

    payments = [
        orjson.loads(value)
        for _key, value in read_all(settings.kafka_brokers, physical_name("payments", settings), idle=1)
    ]
    on_time = [p for p in payments if p["reference_number"].startswith("DUE-")]
    assert len(on_time) == simulator.counts.on_time and 30 <= len(on_time) <= CURRENT_LOANS
    assert {p["account_number"] for p in on_time} <= {f"LN-CUR-{n}" for n in range(1, CURRENT_LOANS + 1)}
    assert {(p["amount"], p["currency"], p["paid_at"][:10]) for p in on_time} == {
        ("500000", "VND", tomorrow.isoformat())
    }


def test_the_sample_of_delinquent_loans_knows_each_customers_agents_and_where_a_visit_goes(world):
    settings = world
    home = {"type": "HOME", "line1": "27 Phố Huế", "city": "Hà Nội", "country": "VN", "is_primary": False}
    work = {
        "type": "WORK",
        "line1": "1 Office Park",
        "city": "Singapore",
        "country": "SG",
        "is_primary": True,
    }
    with psycopg.connect(settings.database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO customers (cif, type, name, segment, status, source_system, updated_at, addresses)"
            " VALUES ('CV1', 'INDIVIDUAL', 'An', 'MASS', 'ACTIVE', 'T24', now(), %s),"
            " ('CV2', 'INDIVIDUAL', 'Binh', 'MASS', 'ACTIVE', 'T24', now(), %s)",
            (Jsonb([home]), Jsonb([home, work])),
        )
        conn.execute(
            "INSERT INTO loan_delinquency (account_number, cif, currency, business_date, dpd, bucket,"
            " overdue_amount, outstanding, revision)"
            " VALUES ('LN-V1', 'CV1', 'VND', %s, 95, '90-119', 700000, 900000, 1),"
            " ('LN-V2', 'CV2', 'VND', %s, 40, '30-59', 500000, 900000, 1)",
            (DAY, DAY),
        )
        conn.execute(
            "INSERT INTO agent_assignments (cif, agent_type, seq, agent_id, valid_from, reason) VALUES"
            " ('CV1', 'CALL', 1, 'AG-C', %s, 'x'), ('CV1', 'FIELD', 1, 'AG-F', %s, 'x'),"
            " ('CV2', 'CALL', 1, 'AG-C', %s, 'x')",
            (DAY, DAY, DAY),
        )
        sample = {loan.cif: loan for loan in delinquent_loans(conn, limit=10_000)}
    visited = sample["CV1"]
    assert (visited.agent_id, visited.field_agent_id) == ("AG-C", "AG-F")
    assert visited.address == "27 Phố Huế, Hà Nội, VN" and visited.position == CITY_COORDINATES["Hà Nội"]
    called = sample["CV2"]
    assert (called.agent_id, called.field_agent_id) == ("AG-C", None)
    assert called.address == "1 Office Park, Singapore, SG" and called.position is None  # the primary one
