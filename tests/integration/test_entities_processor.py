"""The entities processor: inbound entity topics into PostgreSQL, idempotent under re-delivery."""

from __future__ import annotations

import signal
import subprocess
import sys
from decimal import Decimal

import orjson
import psycopg
import pytest

from crm.ingest import ingest_file
from tests.kafka_helpers import read_all
from tests.services import initialized_namespace
from topics import physical_name
from topics.lag import wait_caught_up

pytestmark = pytest.mark.integration
TOPICS = ("bank.customers", "bank.loans", "bank.collaterals", "payments")
FIRST_COMPLETED = {
    "reference_number": "PAY-FIRST",
    "account_number": "LN-FIRST",
    "currency": "VND",
    "paid_at": "2026-03-02T10:00:00+07:00",
    "method": "CASH",
}


@pytest.fixture(scope="module")
def world(service_addresses, run_id, cli_env, tmp_path_factory):
    from crm.generator import generate_portfolio

    portfolio = tmp_path_factory.mktemp("entities")
    generate_portfolio(portfolio, 250, 3, workers=1, progress=False)
    loans = portfolio / "bank.loans.jsonl"
    six_places = {**orjson.loads(loans.read_bytes().splitlines()[0]), "interest_rate": "12.123456"}
    with loans.open("ab") as out:  # the most decimal places a rate may have
        out.write(orjson.dumps(six_places | {"account_number": "LN-RATE"}) + b"\n")
    with initialized_namespace(service_addresses, f"e{run_id}", cli_env) as (settings, env):
        for topic in TOPICS:
            assert ingest_file(settings, topic, portfolio / f"{topic}.jsonl").ok
            # every line twice: redelivered input must change nothing
            assert ingest_file(settings, topic, portfolio / f"{topic}.jsonl").ok
        bad = portfolio / "bad-customers.jsonl"
        bad.write_bytes(b'{"cif": "C-BAD", "type": "PERSON"}\n')
        from confluent_kafka import Producer

        producer = Producer({"bootstrap.servers": settings.kafka_brokers})
        producer.produce(physical_name("bank.customers", settings), bad.read_bytes().strip(), b"C-BAD")
        # valid but for a NUL in the name, which PostgreSQL cannot store: once, it failed the sink's batch
        # on every retry and the processor never got past it
        nul = {**lines(portfolio, "bank.customers")[0], "cif": "C-NUL", "name": "Nguy\u0000en"}
        producer.produce(physical_name("bank.customers", settings), orjson.dumps(nul), b"C-NUL")
        # a customer sent under another customer's key: the processors' partitions and state follow the key
        other = {**lines(portfolio, "bank.customers")[0], "cif": "C-ELSEWHERE"}
        producer.produce(physical_name("bank.customers", settings), orjson.dumps(other), b"C-KEY")
        # one payment completed, then sent again with another amount (the ledger dead-letters that), then
        # reported failed (the ledger undoes nothing): the table keeps it as first completed
        for amount, status in (("100000", "COMPLETED"), ("300000", "COMPLETED"), ("100000", "FAILED")):
            payment = {**FIRST_COMPLETED, "amount": amount, "status": status}
            producer.produce(physical_name("payments", settings), orjson.dumps(payment), b"LN-FIRST")
        # and a reversal of it, sent again with another amount: the ledger keeps the first
        for amount in ("100000", "90000"):
            reversal = {**FIRST_COMPLETED, "reference_number": "REV-FIRST", "reverses": "PAY-FIRST"}
            reversal |= {"amount": amount, "status": "REVERSED", "paid_at": "2026-03-03T10:00:00+07:00"}
            producer.produce(physical_name("payments", settings), orjson.dumps(reversal), b"LN-FIRST")
        # a snapshot of a loan as of 2062 (a date typed in the future): it would replace every later one
        future = {**_open_loan(portfolio), "outstanding": "0.00", "as_of": "2062-01-31T20:00:00+07:00"}
        producer.produce(
            physical_name("bank.loans", settings), orjson.dumps(future), future["account_number"]
        )
        producer.flush()
        process = subprocess.Popen(
            [sys.executable, "-m", "crm", "run", "entities"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            wait_caught_up(
                settings.kafka_brokers,
                f"{settings.namespace}crm-entities",
                [physical_name(t, settings) for t in TOPICS],
                180,
            )
        finally:
            process.send_signal(signal.SIGTERM)
            output, _ = process.communicate(timeout=60)
        assert process.returncode == 0, output[-3000:]
        yield settings, portfolio


def _open_loan(portfolio) -> dict:
    return next(
        loan
        for loan in lines(portfolio, "bank.loans")
        if loan["status"] == "OPEN" and Decimal(loan["outstanding"]) > 100
    )


def test_a_loan_snapshot_dated_after_it_was_sent_is_not_stored(world):
    """The delinquency processor, which reads the topic too, dead-letters it; this one leaves it out."""
    settings, portfolio = world
    loan = _open_loan(portfolio)
    with psycopg.connect(settings.database_url) as conn:
        stored = conn.execute(
            "SELECT outstanding::text, as_of FROM loans WHERE account_number = %s", (loan["account_number"],)
        ).fetchone()
    assert stored[0] == loan["outstanding"] and stored[1].year < 2062


def lines(portfolio, topic):
    return [orjson.loads(line) for line in (portfolio / f"{topic}.jsonl").read_bytes().splitlines()]


def test_every_entity_is_stored_once(world):
    settings, portfolio = world
    payments = {p["reference_number"] for p in lines(portfolio, "payments")}
    loans = lines(portfolio, "bank.loans")
    with psycopg.connect(settings.database_url) as conn:
        count = lambda table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: E731
        assert count("customers") == len(lines(portfolio, "bank.customers"))
        assert count("loans") == len(loans)
        assert count("installments") == sum(len(loan["installments"]) for loan in loans)
        assert count("collaterals") == len(lines(portfolio, "bank.collaterals"))
        assert count("collateral_loans") == sum(
            len(c["account_numbers"]) for c in lines(portfolio, "bank.collaterals")
        )
        assert count("payments") == len(payments | {"PAY-FIRST", "REV-FIRST"})


def test_a_completed_payment_stays_as_first_received(world):
    """As the delinquency ledger counts it, so the dashboard's collected figures and the 360 view agree."""
    settings, _portfolio = world
    with psycopg.connect(settings.database_url) as conn:
        stored = conn.execute(
            "SELECT reference_number, amount, status FROM payments"
            " WHERE reference_number IN ('PAY-FIRST', 'REV-FIRST') ORDER BY 1"
        ).fetchall()
    assert stored == [
        ("PAY-FIRST", Decimal("100000"), "COMPLETED"),
        ("REV-FIRST", Decimal("100000"), "REVERSED"),
    ]


def test_stored_values_are_exact(world):
    settings, portfolio = world
    loan = lines(portfolio, "bank.loans")[0]
    customer = lines(portfolio, "bank.customers")[0]
    with psycopg.connect(settings.database_url) as conn:
        stored = conn.execute(
            "SELECT outstanding::text, as_of FROM loans WHERE account_number = %s", (loan["account_number"],)
        ).fetchone()
        schedule = conn.execute(
            "SELECT due_date::text, principal::text, paid::text FROM installments WHERE account_number = %s"
            " ORDER BY due_date",
            (loan["account_number"],),
        ).fetchall()
        name, phones = conn.execute(
            "SELECT name, phones FROM customers WHERE cif = %s", (customer["cif"],)
        ).fetchone()
    assert stored[0] == loan["outstanding"]
    assert schedule == [(r["due_date"], r["principal"], r["paid"]) for r in loan["installments"]]
    assert name == customer["name"] and phones[0]["number"] == customer["phones"][0]["number"]
    with psycopg.connect(settings.database_url) as conn:
        rate = conn.execute("SELECT interest_rate FROM loans WHERE account_number = 'LN-RATE'").fetchone()
    assert rate == (Decimal("12.123456"),)


def test_invalid_customers_are_dead_lettered(world):
    settings, _ = world
    letters = read_all(settings.kafka_brokers, physical_name("bank.customers.dlq", settings), 3, timeout=30)
    [(key, value), (other_key, other_value), (nul_key, nul_value)] = sorted(letters)  # in any order
    letter = orjson.loads(value)
    assert key == b"C-BAD" and letter["processor"] == "entities" and "type" in letter["error"]
    letter = orjson.loads(nul_value)
    assert nul_key == b"C-NUL" and letter["error"] == "name: Text must not contain the NUL character (U+0000)"
    letter = orjson.loads(other_value)
    assert other_key == b"C-KEY" and letter["error"] == "cif: 'C-ELSEWHERE' is not the message key 'C-KEY'"
    with psycopg.connect(settings.database_url) as conn:
        stored = "SELECT count(*) FROM customers WHERE cif IN ('C-NUL', 'C-ELSEWHERE')"
        assert conn.execute(stored).fetchone() == (0,)
