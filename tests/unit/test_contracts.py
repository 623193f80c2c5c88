"""Contract tests: round trips of every topic model, exact money, and a table of rejections with reasons."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from decimal import Decimal

import orjson
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from contracts import CONFIG, INBOUND, DeadLetter, LoanSnapshot, Payment, dead_letter
from contracts.api import ActionCreate, LoanPublic, PaymentCreate
from contracts.common import Money, PositiveMoney
from contracts.customers import CustomerRecord
from contracts.dlq import ERROR_LIMIT, LETTER_LIMIT, original_value
from contracts.errors import describe
from contracts.exact import JsonNumberSeen
from contracts.nul import may_hold_nul, nul_locations

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
    "config.agents": AGENT,
    "bank.customers": CUSTOMER,
    "bank.loans": LOAN,
    "bank.collaterals": COLLATERAL,
    "payments": PAYMENT,
    "agent.actions": ACTION,
    "ops.business-date": BUSINESS_DATE,
}


MODELS = {**INBOUND, **CONFIG}


def _number(document: dict, field: str) -> bytes:
    """The document as JSON with ``field``'s decimal string written as a bare JSON number."""
    text = orjson.dumps(document)
    quoted = f'"{field}":"{document[field]}"'.encode()
    assert quoted in text
    return text.replace(quoted, f'"{field}":{document[field]}'.encode())


@pytest.mark.parametrize("topic", sorted(VALID))
def test_round_trip_keeps_every_value(topic):
    model = MODELS[topic]
    parsed = model.model_validate_json(orjson.dumps(VALID[topic]))
    assert model.model_validate_json(parsed.model_dump_json()) == parsed
    # nothing is lost or changed on the way: the fields that were sent come back as they were written
    assert orjson.loads(parsed.model_dump_json(exclude_unset=True)) == VALID[topic]


def test_money_strings_stay_exact_to_the_last_digit():
    loan = LoanSnapshot.model_validate_json(orjson.dumps(LOAN))
    first = loan.installments[0]
    assert isinstance(first.principal, Decimal) and str(first.principal) == "1000000.10"
    assert first.interest + first.paid == Decimal("12000.50")  # 0.20 + 0.30, no float drift
    assert str(loan.interest_rate) == "12.50"
    assert orjson.loads(loan.model_dump_json())["installments"][0]["principal"] == "1000000.10"


def test_json_numbers_never_go_through_a_float():
    payment = Payment.model_validate_json(_number({**PAYMENT, "amount": "1250000.10"}, "amount"))
    assert str(payment.amount) == "1250000.10"  # through a double it would be 1250000.1
    # 17 significant digits: a double would round it to 1234567890123.4568
    big = Payment.model_validate_json(_number({**PAYMENT, "amount": "1234567890123.4567"}, "amount"))
    assert big.amount == Decimal("1234567890123.4567")
    tenth = Payment.model_validate_json(_number({**PAYMENT, "amount": "0.1"}, "amount")).amount
    assert tenth + Decimal("0.2") == Decimal("0.3")  # as floats: 0.30000000000000004
    whole = Payment.model_validate_json(_number({**PAYMENT, "amount": "1250000"}, "amount"))
    assert whole.amount == 1250000 and isinstance(whole.amount, Decimal)


def test_json_numbers_in_nested_and_custom_fields_stay_exact():
    raw = orjson.dumps(
        {
            **LOAN,
            "interest_rate": 12.5,
            "custom_fields": {"risk_score": 0.731, "segment_score": 4, "vip": True, "branch": "007"},
        }
    ).replace(b'"paid":"0.30"', b'"paid":0.30')
    loan = LoanSnapshot.model_validate_json(raw)
    assert str(loan.installments[0].paid) == "0.30" and str(loan.interest_rate) == "12.5"
    assert loan.custom_fields == {
        "risk_score": Decimal("0.731"),
        "segment_score": 4,
        "vip": True,
        "branch": "007",  # leading zeros: a code, not a number
    }
    assert type(loan.custom_fields["segment_score"]) is int and type(loan.custom_fields["vip"]) is bool
    # a decimal string is a number too (the generator writes scores that way)
    assert LoanSnapshot.model_validate_json(orjson.dumps(LOAN)).custom_fields["risk_score"] == Decimal(
        "0.731"
    )


def test_other_validation_paths_refuse_json_numbers_instead_of_rounding_them():
    raw = _number({**PAYMENT, "amount": "1250000.10"}, "amount")
    with pytest.raises(JsonNumberSeen):
        TypeAdapter(Payment).validate_json(raw)


def test_python_callers_get_the_same_checks():
    assert Payment.model_validate({**PAYMENT, "amount": 1.1}).amount == Decimal("1.1")
    assert Payment.model_validate({**PAYMENT, "amount": Decimal("7.5")}).amount == Decimal("7.5")
    with pytest.raises(ValidationError) as error:
        Payment.model_validate({**PAYMENT, "amount": Decimal("1.00001")})
    assert "amount: Input should be a valid decimal" in describe(error.value)
    with pytest.raises(ValidationError):
        Payment.model_validate({**PAYMENT, "amount": float("nan")})


def test_reversal_agent_and_business_date():
    assert Payment.model_validate(REVERSAL).reverses == "PAY0001"
    assert MODELS["config.agents"].model_validate(AGENT).capacity == 250
    assert INBOUND["ops.business-date"].model_validate(BUSINESS_DATE).bank == "MAIN"
    assert (
        INBOUND["ops.business-date"].model_validate({"date": "2026-02-01", "bank": "BANK2"}).bank == "BANK2"
    )


def test_api_create_bodies():
    action = ActionCreate.model_validate_json(
        orjson.dumps({k: v for k, v in ACTION.items() if k not in ("action_id", "agent_id")})
    )
    assert action.action_id is None and action.agent_id is None
    assert (
        PaymentCreate.model_validate_json(orjson.dumps({**REVERSAL, "amount": "1012000"})).reverses
        == "PAY0001"
    )
    with pytest.raises(ValidationError):
        PaymentCreate.model_validate_json(orjson.dumps({**PAYMENT, "amount": "0"}))
    # the feed takes a fraction of a dong as the bank sent it; money paid through the API is whole dong
    assert Payment.model_validate_json(orjson.dumps(REVERSAL)).amount == Decimal("1012000.30")
    with pytest.raises(ValidationError, match="VND is paid in whole units, not 1012000.30"):
        PaymentCreate.model_validate_json(orjson.dumps(REVERSAL))


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
        outstanding=Decimal("2E+6"),
        as_of="2026-01-31T20:00:00+07:00",
    )
    body = orjson.loads(public.model_dump_json())
    assert body["overdue_amount"] == "1250000.50" and body["outstanding"] == "2000000"
    assert public.model_dump(mode="json")["overdue_amount"] == "1250000.50"


def test_dead_letter_keeps_the_exact_bytes():
    original = b'{"amount": "5"}\xff\xfe\x00'
    raw = dead_letter(
        source_topic="payments",
        partition=3,
        offset=42,
        key=b"LN1\x00",
        value=original,
        error="invalid JSON: ...\x00",
        error_type="ValidationError",
        processor="delinquency",
    )
    # read back by the same contract, which refuses NUL: as text, NUL is shown as U+FFFD like bad UTF-8
    letter = DeadLetter.model_validate_json(raw)
    assert base64.b64decode(letter.value_b64) == original
    assert letter.value == '{"amount": "5"}\ufffd\ufffd\ufffd' and letter.error == "invalid JSON: ...\ufffd"
    assert (letter.key, letter.partition, letter.offset) == ("LN1\ufffd", 3, 42)


@pytest.mark.parametrize("model", [Payment, LoanSnapshot, DeadLetter])
def test_a_null_value_is_refused_as_a_tombstone_in_words(model):
    with pytest.raises(ValidationError) as refused:
        model.model_validate_json(None)
    assert describe(refused.value) == f"a null value (a tombstone) is not a {model.__name__}"


def test_dead_letter_reason_is_one_line():
    raw = dead_letter(
        source_topic="payments",
        partition=0,
        offset=0,
        key=None,
        value=b"{}",
        error="Traceback (most recent call last):\n  boom\r\n",
        error_type="RuntimeError",
        processor="entities",
    )
    letter = DeadLetter.model_validate_json(raw)
    assert letter.error == "Traceback (most recent call last): boom" and letter.key is None


@pytest.mark.parametrize(
    "original",
    [b"x" * 1_000_000, b"\x01" * 150_000, "\u00e9".encode() * 200_000],  # plain, escaped 6 times, 2-byte
)
def test_a_dead_letter_fits_in_a_kafka_message_whatever_its_original_and_reason(original):
    fields = {"source_topic": "payments", "partition": 0, "offset": 9, "key": b"LN1", "value": original}
    raw = dead_letter(**fields, error="why " * 100_000, error_type="ValidationError", processor="entities")
    assert len(raw) <= LETTER_LIMIT
    letter = DeadLetter.model_validate_json(raw)
    assert letter.value_size == len(original) and letter.value_b64 == ""
    assert original.startswith(letter.value.encode()) and len(letter.error) == ERROR_LIMIT
    with pytest.raises(ValueError, match="only the start"):
        original_value(letter)
    small = DeadLetter.model_validate_json(
        dead_letter(**{**fields, "value": b"x" * 100_000}, error="e", error_type="E", processor="entities")
    )
    assert small.value_size is None and original_value(small) == b"x" * 100_000


def _with(base: dict, **changes) -> dict:
    return {**base, **changes}


def _without(base: dict, field: str) -> dict:
    return {k: v for k, v in base.items() if k != field}


def _loan_with_installment(**changes) -> dict:
    return _with(LOAN, installments=[_with(INSTALLMENT, **changes)])


# (topic, value: a document or raw bytes, expected part of describe())
BAD = [
    # money
    ("payments", _with(PAYMENT, amount="-5.00"), "amount: Input should be greater than 0"),
    ("payments", _with(PAYMENT, amount=0), "amount: Input should be greater than 0"),
    ("payments", _with(PAYMENT, amount="12.3.4"), "amount: Input should be a valid decimal"),
    ("payments", _with(PAYMENT, amount="1e3"), "amount: Input should be a valid decimal"),  # no exponents
    ("payments", _with(PAYMENT, amount="NaN"), "amount: Input should be a valid decimal"),
    ("payments", _with(PAYMENT, amount="12345678901234567"), "with at most 16 digits before the point"),
    ("payments", _with(PAYMENT, amount="1.00001"), "amount: Input should be a valid decimal"),
    ("payments", _with(PAYMENT, amount=True), "amount: Input should be a valid decimal"),
    # float-precision traps: the number's own digits are checked, not a double's
    (
        "payments",
        _number(_with(PAYMENT, amount="0.30000000000000004"), "amount"),
        'amount: Input should be a valid decimal (a JSON number or a string like "1250.50") with at most 16 '
        "digits before the point and 4 after it",
    ),
    (
        "payments",
        _number(_with(PAYMENT, amount="9999999999999999.99999"), "amount"),
        "and 4 after it",
    ),
    ("payments", _number(_with(PAYMENT, amount="1e17"), "amount"), "at most 16 digits before the point"),
    ("payments", _number(_with(PAYMENT, amount="12345678901234567"), "amount"), "should be less than"),
    ("payments", _number(_with(PAYMENT, amount="-0.5"), "amount"), "amount: Input should be greater than 0"),
    ("bank.loans", _loan_with_installment(fees="-0.01"), "installments.0.fees: Input should be greater"),
    ("bank.loans", _with(LOAN, interest_rate="1000.5"), "interest_rate: Input should be less than or equal"),
    ("bank.collaterals", _with(COLLATERAL, value="-1"), "value: Input should be greater than or equal to 0"),
    # enums, codes, formats
    ("payments", _with(PAYMENT, status="SETTLED"), "status: Input should be 'PENDING'"),
    ("payments", _with(PAYMENT, method="CHEQUE"), "method: Input should be"),
    ("payments", _with(PAYMENT, currency="vnd"), "currency: String should match pattern"),
    ("payments", _with(PAYMENT, currency="VNDX"), "currency: String should match pattern"),
    ("bank.loans", _with(LOAN, product_type="LEASE"), "product_type: Input should be 'PERSONAL_LOAN'"),
    ("bank.loans", _with(LOAN, status="open"), "status: Input should be 'OPEN' or 'CLOSED'"),
    (
        "bank.customers",
        _with(CUSTOMER, type="PERSON"),
        "type: Input should be 'INDIVIDUAL' or 'ORGANIZATION'",
    ),
    ("bank.customers", _with(CUSTOMER, phones=[{"type": "FAX", "number": "+84 1"}]), "phones.0.type: Input"),
    ("agent.actions", _with(ACTION, type="call"), "type: String should match pattern"),
    ("agent.actions", _with(ACTION, contact={"channel": "FAX", "number": "1"}), "contact.channel: Input"),
    ("config.agents", _with(AGENT, type="REMOTE"), "type: Input should be 'CALL' or 'FIELD'"),
    ("config.agents", _with(AGENT, capacity=-1), "capacity: Input should be greater than or equal to 0"),
    # dates and timestamps
    ("payments", _with(PAYMENT, paid_at="2026-02-01T09:30:00"), "paid_at: Input should have timezone info"),
    ("bank.loans", _with(LOAN, as_of="2026-01-31"), "as_of: Input should have timezone info"),
    (
        "bank.customers",
        _with(CUSTOMER, date_of_birth="01/04/1990"),
        "date_of_birth: Input should be a valid date",
    ),
    ("ops.business-date", {"date": "2026-02-30"}, "date: Input should be a valid date"),
    ("bank.customers", _with(CUSTOMER, timezone="Mars/Olympus"), "unknown IANA time zone 'Mars/Olympus'"),
    # shape: unknown, missing, sizes
    ("payments", _with(PAYMENT, colour="red"), "colour: unknown field"),
    ("payments", _without(PAYMENT, "reference_number"), "reference_number: Field required"),
    ("ops.business-date", {}, "date: Field required"),
    (
        "bank.loans",
        _with(LOAN, installments=[INSTALLMENT] * 601),
        "installments: List should have at most 600",
    ),
    ("bank.customers", _with(CUSTOMER, name="x" * 201), "name: String should have at most 200 characters"),
    ("bank.customers", _with(CUSTOMER, name=""), "name: String should have at least 1 character"),
    ("agent.actions", _with(ACTION, notes="x" * 4001), "notes: String should have at most 4000 characters"),
    (
        "bank.customers",
        _with(CUSTOMER, phones=[{"type": "MOBILE", "number": "call me"}]),
        "phones.0.number: String should match pattern",
    ),
    ("bank.loans", _with(LOAN, custom_fields={"Risk Score": 1}), "custom_fields.Risk Score.[key]"),
    (
        "bank.loans",
        _with(LOAN, custom_fields={f"f{n}": n for n in range(51)}),
        "custom_fields: Dictionary should have at most 50 items",
    ),
    (
        "bank.loans",
        _with(LOAN, custom_fields={"tags": ["a"]}),
        "custom_fields.tags: Input should be a boolean",
    ),
    (
        "bank.collaterals",
        _with(COLLATERAL, account_numbers=[]),
        "account_numbers: List should have at least 1 item",
    ),
    (
        "agent.actions",
        _with(ACTION, visit={"lat": 91, "lon": 0}),
        "visit.lat: Input should be less than or equal to 90",
    ),
    # cross-field rules
    (
        "bank.loans",
        _with(LOAN, installments=[INSTALLMENT, INSTALLMENT]),
        "installments.1.due_date: 2026-01-15 is not after the previous due date 2026-01-15",
    ),
    (
        "bank.loans",
        _with(LOAN, installments=[_with(INSTALLMENT, due_date="2026-03-01"), INSTALLMENT]),
        "installments.1.due_date: 2026-01-15 is not after the previous due date 2026-03-01",
    ),
    (
        "bank.loans",
        _loan_with_installment(paid="1012000.31"),
        "installments.0.paid: paid 1012000.31 exceeds the amount due 1012000.30",
    ),
    (
        "bank.loans",
        _with(LOAN, maturity_date="2024-01-01"),
        "disbursement_date: 2025-01-15 is after maturity_date 2024-01-01",
    ),
    ("payments", _with(PAYMENT, status="REVERSED"), "reverses: a REVERSED payment must name the payment"),
    ("payments", _with(PAYMENT, reverses="PAY0000"), "reverses: only allowed on a REVERSED payment"),
    ("payments", _with(REVERSAL, reverses="PAY0002"), "reverses: a reversal needs a reference_number of its"),
    ("agent.actions", _without(ACTION, "promise"), "promise: result PROMISE_TO_PAY needs a promise"),
    (
        "agent.actions",
        _with(ACTION, result="NO_ANSWER"),
        "promise: only allowed with result PROMISE_TO_PAY, not NO_ANSWER",
    ),
    ("agent.actions", _with(ACTION, promise={"date": "2026-02-06", "amount": "0"}), "promise.amount: Input"),
    # text PostgreSQL cannot store, wherever it sits; moments no event has; business dates centuries away
    ("bank.customers", _with(CUSTOMER, name="Nguy\u0000en"), "name: Text must not contain the NUL"),
    ("agent.actions", _with(ACTION, notes="\u0000"), "notes: Text must not contain the NUL character"),
    ("bank.loans", _with(LOAN, custom_fields={"note": "a\u0000"}), "custom_fields.note: Text must not"),
    (
        "bank.collaterals",
        _with(COLLATERAL, value=1.5, details={"plate": "x\u0000"}),  # the exact second pass too
        "details.plate: Text must not contain the NUL",
    ),
    ("payments", _with(PAYMENT, paid_at="0001-01-01T00:00:00Z"), "paid_at: Input should be greater than or"),
    ("agent.actions", _with(ACTION, at="3000-01-01T07:00:00+07:00"), "at: Input should be less than 3000"),
    ("ops.business-date", {"date": "9026-02-01"}, "date: Input should be less than or equal to 2199-12-31"),
    ("ops.business-date", {"date": "1969-12-31"}, "date: Input should be greater than or equal to 1970"),
    # not JSON at all
    ("payments", b'{"reference_number": "PAY1",', "invalid JSON: EOF while parsing"),
    ("payments", b"{not json", "invalid JSON: key must be a string"),
    ("payments", b"", "invalid JSON"),
    ("payments", b'{"amount": NaN}', "invalid JSON: NaN is not valid JSON"),
    ("payments", b"[1, 2]", "Input should be an object"),
]


def _id(row: tuple) -> str:
    topic, _, expected = row
    return f"{topic}:{expected[:50]}"


@pytest.mark.parametrize(("topic", "value", "expected"), BAD, ids=[_id(row) for row in BAD])
def test_bad_inputs_are_rejected_with_a_clear_reason(topic, value, expected):
    raw = value if isinstance(value, bytes) else orjson.dumps(value)
    with pytest.raises(ValidationError) as error:
        MODELS[topic].model_validate_json(raw)
    message = describe(error.value)
    assert expected in message
    assert "\n" not in message


def test_many_errors_are_summarised():
    with pytest.raises(ValidationError) as error:
        Payment.model_validate_json(b"{}")
    message = describe(error.value)
    assert message.startswith("reference_number: Field required; account_number: Field required; ")
    assert message.endswith("(+4 more)") and message.count(";") == 2


@given(st.integers(min_value=0, max_value=10**16 - 1), st.text("0123456789", max_size=4))
def test_any_money_with_up_to_four_places_round_trips_exactly(whole, fraction):
    text = f"{whole}.{fraction}" if fraction else str(whole)
    assume(Decimal(text) > 0)
    for raw in (orjson.dumps({**PAYMENT, "amount": text}), _number({**PAYMENT, "amount": text}, "amount")):
        parsed = Payment.model_validate_json(raw)
        assert str(parsed.amount) == text  # the same digits, trailing zeros included
        assert Payment.model_validate_json(parsed.model_dump_json()) == parsed


@pytest.mark.parametrize("annotation", [PositiveMoney, Money], ids=["PositiveMoney", "Money"])
@given(text=st.text(alphabet="0123456789.", min_size=1, max_size=24))
def test_an_amounts_documented_text_pattern_says_exactly_what_validation_takes(annotation, text):
    """The JSON Schema's pattern for an amount as text (what clients and generated validators check) and
    the validation agree, "0.00" included: not over 0, so no positive amount, though its digits are fine."""
    adapter = TypeAdapter(annotation)
    pattern = adapter.json_schema()["anyOf"][0]["pattern"]
    try:
        adapter.validate_json(orjson.dumps(text))
        taken = True
    except ValidationError:
        taken = False
    assert (re.search(pattern, text) is not None) == taken


def test_far_dates_and_text_that_only_looks_like_nul_are_valid():
    loan = LoanSnapshot.model_validate_json(
        orjson.dumps(_with(LOAN, maturity_date="9999-12-31", custom_fields={"note": "C:\\u0000"}))
    )
    note = loan.custom_fields["note"]  # a backslash, then "u0000": no NUL in it
    assert loan.maturity_date.year == 9999 and note == "C:\\u0000"
    moment = Payment.model_validate_json(orjson.dumps(_with(PAYMENT, paid_at="2999-12-31T23:59:59Z")))
    assert moment.paid_at.year == 2999


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.text(alphabet=st.sampled_from('a\\u0\x00"')),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(alphabet="ab\x00", max_size=2), children, max_size=3),
    max_leaves=12,
)


@given(json_values)
def test_the_quick_nul_test_never_misses_one(value):
    """`may_hold_nul` on the JSON text decides whether the walk runs: it must be True for every document
    the walk would find NUL in (it may say True for others: a backslash before "u0000")."""
    found = list(nul_locations(value))
    assert may_hold_nul(orjson.dumps(value)) or not found
    assert may_hold_nul(orjson.dumps(value).decode()) or not found
    for loc, text in found:
        assert "\x00" in text and isinstance(loc, tuple)


def test_each_inbound_value_keyed_by_one_of_its_fields_checks_it_against_its_message_key():
    from contracts.common import KeyedContract, under_key
    from topics.registry import get_topic

    keyed = {topic: model for topic, model in INBOUND.items() if issubclass(model, KeyedContract)}
    assert set(keyed) == {"bank.customers", "bank.loans", "bank.collaterals", "payments", "agent.actions"}
    for topic, model in keyed.items():
        assert get_topic(topic).key_field == model.KEY_FIELD, topic
    raw = orjson.dumps(PAYMENT)
    own = PAYMENT["account_number"]
    assert Payment.model_validate_json(raw, context=under_key(own)).account_number == own
    assert Payment.model_validate_json(raw).account_number == own  # the API's bodies: no message key
    for key in ("LN-OTHER", None):
        with pytest.raises(ValidationError) as refused:
            Payment.model_validate_json(raw, context=under_key(key))
        assert describe(refused.value) == f"account_number: {own!r} is not the message key {key!r}"


def test_a_loan_snapshot_as_of_more_than_a_day_after_its_message_was_sent_fails_its_contract():
    """A date typed in the future (2062) would replace every later snapshot of the loan until then (a newer
    one replaces the older, an older one is ignored): read with the message's Kafka timestamp, it fails."""
    from contracts.common import under_key

    raw = orjson.dumps(_with(LOAN, as_of="2062-01-31T20:00:00+07:00"))
    sent_ms = int(datetime(2026, 1, 31, 14, tzinfo=UTC).timestamp() * 1000)
    with pytest.raises(ValidationError) as refused:
        LoanSnapshot.model_validate_json(raw, context=under_key(LOAN["account_number"], sent_ms))
    assert describe(refused.value) == (
        "as_of: 2062-01-31T20:00:00+07:00 is more than a day after the message was sent"
        " (2026-01-31T14:00:00+00:00): a snapshot cannot be of a later moment than it is sent; correct as_of"
        " and send it again"
    )
    # a few hours ahead (a clock or a zone written wrong) passes; so does any time without a timestamp
    within = orjson.dumps(_with(LOAN, as_of="2026-02-01T20:00:00+07:00"))  # 23 hours after it was sent
    assert LoanSnapshot.model_validate_json(within, context=under_key(LOAN["account_number"], sent_ms))
    assert LoanSnapshot.model_validate_json(raw, context=under_key(LOAN["account_number"]))
    assert LoanSnapshot.model_validate_json(raw, context=under_key(LOAN["account_number"], -1))  # none kept
    assert LoanSnapshot.model_validate_json(raw)


def _place(kind: str, line1: str, primary: bool = False) -> dict:
    return {"type": kind, "line1": line1, "city": "Hà Nội", "country": "VN", "is_primary": primary}


@pytest.mark.parametrize(
    ("addresses", "visited"),
    [
        ([_place("WORK", "1 Office"), _place("HOME", "2 Home"), _place("OTHER", "3 Main", True)], "3 Main"),
        ([_place("WORK", "1 Office"), _place("HOME", "2 Home"), _place("HOME", "4 Lake")], "2 Home"),
        ([_place("WORK", "1 Office"), _place("OTHER", "5 Farm")], "1 Office"),  # an organisation's
        ([], None),
    ],
)
def test_a_field_agent_visits_the_primary_address_else_the_first_home_else_the_first(addresses, visited):
    customer = CustomerRecord.model_validate({**CUSTOMER, "addresses": addresses})
    address = customer.visiting_address()
    assert (address.line1 if address else None) == visited
    if address:
        assert address.one_line() == f"{visited}, Hà Nội, VN"
