from __future__ import annotations

from decimal import Decimal

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from contracts import INBOUND, AgentConfig, LoanSnapshot, Payment
from contracts.api import LoanPublic
from contracts.errors import describe

CUSTOMER = {
    "cif": "C000000001",
    "type": "INDIVIDUAL",
    "name": "Nguyễn Thị Hồng Nhung",
    "national_id": "079190000001",
    "date_of_birth": "1990-04-01",
    "segment": "MASS",
    "status": "ACTIVE",
    "phones": [{"type": "MOBILE", "number": "+84 912 345 678", "is_primary": True, "is_verified": True}],
    "emails": [{"type": "PERSONAL", "address": "nhung@example.vn", "is_primary": True, "is_verified": False}],
    "addresses": [
        {"type": "HOME", "line1": "12 Lê Lợi", "city": "Hồ Chí Minh", "country": "VN", "is_primary": True}
    ],
    "references": [
        {"ref_cif": "C000000002", "relationship": "SPOUSE", "name": "Trần Văn Bình", "phones": []}
    ],
    "timezone": "Asia/Ho_Chi_Minh",
    "source_system": "T24",
    "updated_at": "2026-01-31T20:00:00+07:00",
}
INSTALLMENT = {
    "due_date": "2026-01-15",
    "principal": "1000000.10",
    "interest": "12000.20",
    "fees": "0",
    "penalty": "0",
    "paid": "0.30",
}
LOAN = {
    "account_number": "LN0000000001",
    "cif": "C000000001",
    "product_type": "PERSONAL_LOAN",
    "currency": "VND",
    "original_amount": "12000000.00",
    "outstanding": "2024000.60",
    "disbursement_date": "2025-01-15",
    "maturity_date": "2026-02-15",
    "interest_rate": "12.50",
    "term_months": 12,
    "status": "OPEN",
    "installments": [INSTALLMENT, {**INSTALLMENT, "due_date": "2026-02-15", "paid": "0"}],
    "custom_fields": {"risk_score": "0.731", "segment_score": 4, "vip": False, "note": "x"},
    "source_system": "T24",
    "as_of": "2026-01-31T20:00:00+07:00",
}
COLLATERAL = {
    "collateral_number": "COL0001",
    "cif": "C000000001",
    "account_numbers": ["LN0000000001"],
    "type": "VEHICLE",
    "value": "450000000",
    "currency": "VND",
    "valuation_date": "2025-01-10",
    "details": {"make": "Toyota", "plate": "51F-123.45"},
    "source_system": "T24",
    "updated_at": "2026-01-31T20:00:00+07:00",
}
PAYMENT = {
    "reference_number": "PAY0001",
    "account_number": "LN0000000001",
    "amount": "1012000.30",
    "currency": "VND",
    "paid_at": "2026-02-01T09:30:00+07:00",
    "method": "BANK_TRANSFER",
    "status": "COMPLETED",
}
REVERSAL = {**PAYMENT, "reference_number": "PAY0002", "status": "REVERSED", "reverses": "PAY0001"}
ACTION = {
    "action_id": "ACT0001",
    "cif": "C000000001",
    "account_number": "LN0000000001",
    "agent_id": "AG001",
    "type": "CALL",
    "subtype": "OUTBOUND",
    "result": "PROMISE_TO_PAY",
    "at": "2026-02-01T10:00:00+07:00",
    "notes": "Will pay on Friday",
    "promise": {"date": "2026-02-06", "amount": "1012000.30"},
    "follow_up_date": "2026-02-07",
    "contact": {"channel": "PHONE", "number": "+84 912 345 678"},
}
BUSINESS_DATE = {"date": "2026-02-01"}
AGENT = {
    "agent_id": "AG001",
    "name": "Lê Minh Tuấn",
    "team": "TEAM-CALL-1",
    "type": "CALL",
    "skills": {"products": ["PERSONAL_LOAN"], "buckets": ["1-29", "180+"], "languages": ["vi", "en"]},
    "capacity": 250,
    "active": True,
}
VALID = {
    "bank.customers": CUSTOMER,
    "bank.loans": LOAN,
    "bank.collaterals": COLLATERAL,
    "payments": PAYMENT,
    "agent.actions": ACTION,
    "ops.business-date": BUSINESS_DATE,
}


@pytest.mark.parametrize("topic", sorted(VALID))
def test_round_trip_keeps_every_value(topic):
    model = INBOUND[topic]
    parsed = model.model_validate_json(orjson.dumps(VALID[topic]))
    again = model.model_validate_json(parsed.model_dump_json())
    assert again == parsed


def test_money_stays_exact_through_json():
    loan = LoanSnapshot.model_validate_json(orjson.dumps(LOAN))
    first = loan.installments[0]
    assert first.principal == Decimal("1000000.10") and isinstance(first.principal, Decimal)
    assert first.interest + first.paid == Decimal("12000.50")  # 0.2 + 0.3, no float drift
    assert loan.custom_fields["risk_score"] == Decimal("0.731")
    as_number = Payment.model_validate_json(orjson.dumps(PAYMENT).replace(b'"1012000.30"', b"1012000.30"))
    assert as_number.amount == Decimal("1012000.30")


def test_reversal_and_agent_are_valid():
    assert Payment.model_validate(REVERSAL).reverses == "PAY0001"
    assert AgentConfig.model_validate(AGENT).capacity == 250


def test_business_date_defaults_to_the_main_bank():
    assert INBOUND["ops.business-date"].model_validate(BUSINESS_DATE).bank == "MAIN"


def test_money_goes_out_as_a_decimal_string():
    public = LoanPublic(
        account_number="LN1",
        cif="C1",
        product_type="PERSONAL_LOAN",
        currency="VND",
        status="OPEN",
        dpd=31,
        bucket="30-59",
        overdue_amount=Decimal("1250000.50"),
        outstanding=Decimal("2000000"),
        as_of="2026-01-31T20:00:00+07:00",
    )
    body = orjson.loads(public.model_dump_json())
    assert body["overdue_amount"] == "1250000.50" and body["outstanding"] == "2000000"


def _with(base: dict, **changes) -> dict:
    return {**base, **changes}


def _without(base: dict, field: str) -> dict:
    return {k: v for k, v in base.items() if k != field}


BAD = [
    ("payments", _with(PAYMENT, amount="-5.00"), "amount: Input should be greater than 0"),
    ("payments", _with(PAYMENT, amount=0), "amount: Input should be greater than 0"),
    ("payments", _with(PAYMENT, amount="12.3.4"), "amount: Input should be a valid decimal"),
    ("payments", _with(PAYMENT, amount="1e16"), "amount: Input should be less than or equal to"),
    ("payments", _with(PAYMENT, amount="NaN"), "amount:"),
    ("payments", _with(PAYMENT, status="SETTLED"), "status: Input should be 'PENDING'"),
    ("payments", _with(PAYMENT, method="CHEQUE"), "method: Input should be"),
    ("payments", _with(PAYMENT, currency="vnd"), "currency: String should match pattern"),
    ("payments", _with(PAYMENT, paid_at="2026-02-01T09:30:00"), "paid_at: Input should have timezone info"),
    ("payments", _with(PAYMENT, colour="red"), "colour: unknown field"),
    ("payments", _without(PAYMENT, "reference_number"), "reference_number: Field required"),
    ("payments", _with(PAYMENT, status="REVERSED"), "a REVERSED payment must name the payment it undoes"),
    ("payments", _with(PAYMENT, reverses="PAY0000"), "`reverses` is only allowed on a REVERSED payment"),
    ("payments", _with(REVERSAL, reverses="PAY0002"), "a reversal needs a reference_number of its own"),
    (
        "bank.loans",
        _with(LOAN, installments=[INSTALLMENT] * 601),
        "installments: List should have at most 600",
    ),
    (
        "bank.loans",
        _with(LOAN, installments=[INSTALLMENT, INSTALLMENT]),
        "installments.1.due_date 2026-01-15 is not after the previous one",
    ),
    (
        "bank.loans",
        _with(LOAN, installments=[_with(INSTALLMENT, paid="1012000.31")]),
        "installments.0.paid 1012000.31 exceeds the amount due 1012000.30",
    ),
    (
        "bank.loans",
        _with(LOAN, maturity_date="2024-01-01"),
        "disbursement_date 2025-01-15 is after maturity_date",
    ),
    ("bank.loans", _with(LOAN, product_type="LEASE"), "product_type: Input should be 'PERSONAL_LOAN'"),
    ("bank.loans", _with(LOAN, status="open"), "status: Input should be 'OPEN' or 'CLOSED'"),
    ("bank.loans", _with(LOAN, custom_fields={"Risk Score": 1}), "custom_fields.Risk Score.[key]"),
    ("bank.loans", _with(LOAN, as_of="2026-01-31"), "as_of:"),
    ("bank.loans", _with(LOAN, outstanding=1.5e16), "outstanding: Input should be less than or equal to"),
    (
        "bank.customers",
        _with(CUSTOMER, type="PERSON"),
        "type: Input should be 'INDIVIDUAL' or 'ORGANIZATION'",
    ),
    ("bank.customers", _with(CUSTOMER, timezone="Mars/Olympus"), "unknown IANA time zone 'Mars/Olympus'"),
    ("bank.customers", _with(CUSTOMER, name="x" * 201), "name: String should have at most 200 characters"),
    ("bank.customers", _with(CUSTOMER, name=""), "name: String should have at least 1 character"),
    (
        "bank.customers",
        _with(CUSTOMER, phones=[{"type": "MOBILE", "number": "call me"}]),
        "phones.0.number: String should match pattern",
    ),
    (
        "bank.customers",
        _with(CUSTOMER, date_of_birth="01/04/1990"),
        "date_of_birth: Input should be a valid date",
    ),
    ("agent.actions", _without(ACTION, "promise"), "result PROMISE_TO_PAY needs a `promise`"),
    (
        "agent.actions",
        _with(ACTION, result="NO_ANSWER"),
        "a `promise` is only allowed with result PROMISE_TO_PAY",
    ),
    ("agent.actions", _with(ACTION, type="call"), "type: String should match pattern"),
    ("agent.actions", _with(ACTION, notes="x" * 4001), "notes: String should have at most 4000 characters"),
    (
        "agent.actions",
        _with(ACTION, visit={"lat": 91, "lon": 0}),
        "visit.lat: Input should be less than or equal to 90",
    ),
    (
        "bank.collaterals",
        _with(COLLATERAL, account_numbers=[]),
        "account_numbers: List should have at least 1 item",
    ),
    ("ops.business-date", {"date": "2026-02-30"}, "date: Input should be a valid date"),
]


@pytest.mark.parametrize(("topic", "value", "expected"), BAD, ids=[f"{t}:{e[:40]}" for t, _, e in BAD])
def test_bad_inputs_are_rejected_with_a_clear_reason(topic, value, expected):
    with pytest.raises(ValidationError) as error:
        INBOUND[topic].model_validate_json(orjson.dumps(value))
    assert expected in describe(error.value)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(b"{not json", "invalid JSON"), (b"", "invalid JSON"), (b"[1, 2]", "Input should be an object")],
)
def test_malformed_json_is_described(raw, expected):
    with pytest.raises(ValidationError) as error:
        Payment.model_validate_json(raw)
    assert expected in describe(error.value)


def test_many_errors_are_summarised():
    with pytest.raises(ValidationError) as error:
        Payment.model_validate_json(b"{}")
    assert describe(error.value).endswith("(+4 more)")


@given(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999999999.99"), places=2, allow_nan=False)
)
def test_any_two_place_amount_round_trips_exactly(amount):
    raw = orjson.dumps({**PAYMENT, "amount": str(amount)})
    assert Payment.model_validate_json(raw).amount == amount
    as_number = raw.replace(f'"{amount}"'.encode(), str(amount).encode())
    assert Payment.model_validate_json(as_number).amount == amount
