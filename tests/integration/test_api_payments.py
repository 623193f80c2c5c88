"""`POST /api/payments` over real PostgreSQL and Kafka: idempotent by reference number (the first reply
again, byte for byte), the loan's currency, reversals of known payments only, roles, and Kafka down."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import orjson
import psycopg
import pytest

from contracts.admin import Role
from contracts.payments import Payment
from tests.api_client import api_client, token
from tests.kafka_helpers import message_count, read_all
from topics import physical_name

pytestmark = [pytest.mark.integration, pytest.mark.anyio]
INTEGRATION = token(Role.INTEGRATION)


@pytest.fixture(scope="module")
def loan(api_settings) -> str:
    """A VND loan the bank sent, and one payment on it that came from the bank's own feed."""
    account = f"LN-PAY-{uuid.uuid4().hex[:6]}"
    with psycopg.connect(api_settings.database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO loans VALUES (%s, 'C-PAY', 'AUTO_LOAN', 'VND', 24000000, 18000000, '2025-01-10',"
            " '2027-01-10', 12.5, 24, 'OPEN', '{}', 'CORE', now())",
            (account,),
        )
        conn.execute(
            "INSERT INTO payments (reference_number, account_number, amount, currency, paid_at, method,"
            " status) VALUES (%s, %s, 500000, 'VND', now(), 'CASH', 'COMPLETED')",
            (f"BANK-{account}", account),
        )
    return account


def payment(account: str, **more) -> dict:
    return {
        "reference_number": f"REF-{uuid.uuid4().hex[:10]}",
        "account_number": account,
        "amount": "1250000",
        "currency": "VND",
        "paid_at": "2026-03-02T10:15:00+07:00",
        "method": "BANK_TRANSFER",
        "status": "COMPLETED",
        **more,
    }


def produced(settings) -> int:
    return message_count(settings.kafka_brokers, physical_name("payments", settings))


def records(settings, account: str) -> list[Payment]:
    topic = physical_name("payments", settings)
    messages = read_all(settings.kafka_brokers, topic, expected=produced(settings), timeout=20)
    return [Payment.model_validate_json(value) for key, value in messages if key == account.encode()]


def accepted(settings, reference: str) -> int:
    with psycopg.connect(settings.database_url) as conn:
        return conn.execute(
            "SELECT count(*) FROM accepted_payments WHERE reference_number = %s", (reference,)
        ).fetchone()[0]


async def test_a_payment_is_produced_once_and_a_repeat_gets_the_first_reply_byte_for_byte(
    client, loan, api_settings
):
    body = payment(loan)
    before = produced(api_settings)
    first = await client.post("/api/payments", json=body, headers=INTEGRATION)
    assert first.status_code == 202, first.text
    reply = first.json()
    assert (reply["reference_number"], reply["account_number"], reply["status"]) == (
        body["reference_number"],
        loan,
        "accepted",
    )
    again = await client.post("/api/payments", json=body, headers=token(Role.ADMIN))
    assert (again.status_code, again.content) == (202, first.content)
    assert produced(api_settings) == before + 1
    [record] = [r for r in records(api_settings, loan) if r.reference_number == body["reference_number"]]
    assert str(record.amount) == "1250000" and record.currency == "VND"
    with psycopg.connect(api_settings.database_url) as conn:
        audit = conn.execute(
            "SELECT who, details FROM audit_log WHERE action = 'payment.post' AND target = %s",
            (f"account:{loan}",),
        ).fetchall()
    expected = {k: body[k] for k in ("reference_number", "amount", "currency", "status")}
    assert [tuple(row) for row in audit].count(("integration-user", expected)) == 1
    changed = await client.post("/api/payments", json={**body, "amount": "1"}, headers=INTEGRATION)
    assert changed.status_code == 409
    assert changed.json()["detail"] == (
        f"reference number {body['reference_number']} already used for a different payment"
    )
    assert produced(api_settings) == before + 1


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"currency": "USD"}, "currency", "is in VND, not USD"),
        ({"status": "REVERSED", "reverses": "NO-SUCH-REF"}, "reverses", "unknown payment NO-SUCH-REF"),
        ({"amount": "0"}, "amount", "Input should be greater than 0"),  # the contract's
        ({"amount": "1250000.50"}, "amount", "VND is paid in whole units, not 1250000.50"),  # no cents
        ({"status": "REVERSED"}, "reverses", "a REVERSED payment must name the payment it undoes"),
        ({"method": "CHEQUE"}, "method", "Input should be"),
    ],
)
async def test_a_bad_payment_is_422_naming_the_field_and_never_reaches_kafka(
    client, loan, api_settings, change, field, message
):
    before = produced(api_settings)
    response = await client.post("/api/payments", json=payment(loan, **change), headers=INTEGRATION)
    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    assert error["field"] == field and message in error["msg"], error
    assert produced(api_settings) == before


async def test_reversals_of_known_payments_on_their_account(client, loan, api_settings):
    posted = payment(loan)
    assert (await client.post("/api/payments", json=posted, headers=INTEGRATION)).status_code == 202
    # posted here; from the bank (its 500000 as "500000.00": the same amount)
    for reversed_reference, amount in (
        (posted["reference_number"], posted["amount"]),
        (f"BANK-{loan}", "500000.00"),
    ):
        reversal = payment(loan, status="REVERSED", reverses=reversed_reference, amount=amount)
        response = await client.post("/api/payments", json=reversal, headers=INTEGRATION)
        assert response.status_code == 202, response.text
    elsewhere = payment(f"{loan}-OTHER", status="REVERSED", reverses=posted["reference_number"])
    wrong = await client.post("/api/payments", json=elsewhere, headers=INTEGRATION)
    assert wrong.status_code == 422
    assert (
        wrong.json()["detail"][0]["msg"]
        == f"payment {posted['reference_number']} was made on {loan}, not {loan}-OTHER"
    )


async def test_a_reversal_undoes_a_payment_that_counts_in_full_or_is_422(client, loan, api_settings):
    failed = payment(loan, status="FAILED")
    posted = payment(loan)
    for body in (failed, posted):
        assert (await client.post("/api/payments", json=body, headers=INTEGRATION)).status_code == 202
    reversal = payment(loan, status="REVERSED", reverses=posted["reference_number"])
    assert (await client.post("/api/payments", json=reversal, headers=INTEGRATION)).status_code == 202
    before = produced(api_settings)
    cases = [
        (posted["reference_number"], "5", "amount", f"{posted['reference_number']} was 1250000, not 5"),
        (failed["reference_number"], failed["amount"], "reverses", "failed: there is nothing to reverse"),
        (reversal["reference_number"], reversal["amount"], "reverses", "is itself a reversal"),
    ]
    for reverses, amount, field, message in cases:
        body = payment(loan, status="REVERSED", reverses=reverses, amount=amount)
        response = await client.post("/api/payments", json=body, headers=INTEGRATION)
        assert response.status_code == 422, response.text
        [error] = response.json()["detail"]
        assert error["field"] == field and message in error["msg"], error
    assert produced(api_settings) == before


async def test_a_payment_is_reversed_once_by_whoever_reversed_it_first(client, loan, api_settings):
    posted = payment(loan)
    assert (await client.post("/api/payments", json=posted, headers=INTEGRATION)).status_code == 202
    first = payment(loan, status="REVERSED", reverses=posted["reference_number"])
    assert (await client.post("/api/payments", json=first, headers=INTEGRATION)).status_code == 202
    # the bank's feed reversed one of its own payments
    bank_payment = f"BANK2-{loan}"
    with psycopg.connect(api_settings.database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO payments (reference_number, account_number, amount, currency, paid_at, method,"
            " status, reverses) VALUES (%s, %s, 700000, 'VND', now(), 'CASH', 'COMPLETED', NULL),"
            " (%s, %s, 700000, 'VND', now(), 'CASH', 'REVERSED', %s)",
            (bank_payment, loan, f"BANK2-REV-{loan}", loan, bank_payment),
        )
    before = produced(api_settings)
    for reverses, amount, by in (
        (posted["reference_number"], posted["amount"], first["reference_number"]),
        (bank_payment, "700000", f"BANK2-REV-{loan}"),
    ):
        again = payment(loan, status="REVERSED", reverses=reverses, amount=amount)
        response = await client.post("/api/payments", json=again, headers=INTEGRATION)
        assert response.status_code == 409, response.text
        assert response.json() == {"detail": f"payment {reverses} was reversed already, by {by}"}
    assert produced(api_settings) == before
    # the first reversal sent again is still the same answer, not a conflict with itself
    assert (await client.post("/api/payments", json=first, headers=INTEGRATION)).status_code == 202


async def test_a_payment_dated_in_the_future_is_422(client, loan, api_settings):
    before = produced(api_settings)
    ahead = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    response = await client.post("/api/payments", json=payment(loan, paid_at=ahead), headers=INTEGRATION)
    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    assert error["field"] == "paid_at" and "is in the future" in error["msg"], error
    assert produced(api_settings) == before
    within_skew = (datetime.now(UTC) + timedelta(seconds=20)).isoformat()
    response = await client.post(
        "/api/payments", json=payment(loan, paid_at=within_skew), headers=INTEGRATION
    )
    assert response.status_code == 202, response.text


async def test_a_payment_on_a_business_date_ahead_of_the_wall_clock_is_not_in_the_future(
    client, loan, api_settings
):
    """The business date is the product's clock: a demo's runs a day a minute, ahead of the wall clock."""
    ahead = datetime.now(UTC).date() + timedelta(days=40)
    with psycopg.connect(api_settings.database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO loan_delinquency VALUES ('LN-AHEAD', 'C-AHEAD', 'VND', %s, 0, 'CURRENT', 0, 1, NULL,"
            " NULL, 1)",
            (ahead,),
        )
    try:
        on_it = f"{ahead.isoformat()}T23:30:00-11:00"  # still that date at UTC-11
        response = await client.post("/api/payments", json=payment(loan, paid_at=on_it), headers=INTEGRATION)
        assert response.status_code == 202, response.text
        after = f"{(ahead + timedelta(days=1)).isoformat()}T13:00:00+00:00"  # the next day everywhere
        response = await client.post("/api/payments", json=payment(loan, paid_at=after), headers=INTEGRATION)
        assert response.status_code == 422, response.text
        assert f"business date {ahead.isoformat()}" in response.json()["detail"][0]["msg"]
    finally:
        with psycopg.connect(api_settings.database_url, autocommit=True) as conn:
            conn.execute("DELETE FROM loan_delinquency WHERE account_number = 'LN-AHEAD'")


async def test_a_payment_for_a_loan_not_yet_received_is_accepted(client, api_settings):
    response = await client.post(
        "/api/payments", json=payment("LN-NOT-YET", currency="USD"), headers=INTEGRATION
    )
    assert response.status_code == 202, response.text


@pytest.mark.parametrize(
    ("role", "expected"),
    [(Role.INTEGRATION, 202), (Role.ADMIN, 202), (Role.SUPERVISOR, 403), (Role.AGENT, 403)],
)
async def test_who_may_post_payments(client, loan, role, expected):
    response = await client.post("/api/payments", json=payment(loan), headers=token(role, "AG-1"))
    assert response.status_code == expected, response.text
    assert (await client.post("/api/payments", json=payment(loan))).status_code == 401


async def test_kafka_down_is_503_with_nothing_stored_and_a_retry_succeeds(client, loan, api_settings):
    body = payment(loan)
    down = api_settings.model_copy(update={"kafka_brokers": "127.0.0.1:1"})
    async with api_client(down, delivery_timeout_s=2) as unreachable:
        response = await unreachable.post("/api/payments", json=body, headers=INTEGRATION)
    assert response.status_code == 503, response.text
    assert response.json()["detail"].startswith("Kafka (127.0.0.1:1) did not")
    assert accepted(api_settings, body["reference_number"]) == 0
    retried = await client.post("/api/payments", json=body, headers=INTEGRATION)
    assert retried.status_code == 202 and accepted(api_settings, body["reference_number"]) == 1
    assert [r.reference_number for r in records(api_settings, loan)].count(body["reference_number"]) == 1


@pytest.mark.parametrize("amount", ["999999999999999.99", "1250000.10", "0.01"])
async def test_an_amount_sent_as_a_json_number_keeps_its_digits(client, api_settings, amount):
    """JSON numbers are read exactly (api.exact_json): read as a float, 999999999999999.99 is 1e15."""
    account = f"LN-USD-{uuid.uuid4().hex[:6]}"  # not received yet, so a USD payment is taken
    body = payment(account, currency="USD")
    raw = orjson.dumps({**body, "amount": "AMOUNT"}).replace(b'"AMOUNT"', amount.encode())
    headers = {**INTEGRATION, "Content-Type": "application/json"}
    response = await client.post("/api/payments", content=raw, headers=headers)
    assert response.status_code == 202, response.text
    [record] = [r for r in records(api_settings, account) if r.reference_number == body["reference_number"]]
    assert str(record.amount) == amount


async def test_json_that_is_not_json_is_422(client, loan):
    headers = {**INTEGRATION, "Content-Type": "application/json"}
    for raw in (b'{"amount": NaN}', b'{"amount": 1', b'{"amount": "\xff"}'):
        response = await client.post("/api/payments", content=raw, headers=headers)
        assert response.status_code == 422, (raw, response.text)
        assert response.json()["detail"][0]["type"] == "json_invalid"


async def test_the_same_payment_posted_twice_at_once_is_produced_once(client, loan, api_settings):
    body = payment(loan)
    before = produced(api_settings)
    first, second = await asyncio.gather(
        client.post("/api/payments", json=body, headers=INTEGRATION),
        client.post("/api/payments", json=body, headers=INTEGRATION),
    )
    assert (first.status_code, second.status_code) == (202, 202), (first.text, second.text)
    assert first.content == second.content and accepted(api_settings, body["reference_number"]) == 1
    assert produced(api_settings) == before + 1
