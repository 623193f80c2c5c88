"""Any message its contract accepts goes through the delinquency and promises rules without an exception
other than a DomainError (which the processors dead-letter): an unexpected one would stop the partition at
that message on every restart. Dates anywhere in the calendar, amounts at their limits."""

from __future__ import annotations

from datetime import UTC, date

import orjson
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from contracts import AgentAction
from contracts.business_date import FIRST_BUSINESS_DATE, LAST_BUSINESS_DATE
from contracts.common import EARLIEST_MOMENT, END_OF_MOMENTS
from domain.errors import DomainError
from domain.promises import PromiseConfig
from processors.delinquency import logic
from processors.delinquency.parsing import payment_from, snapshot_from
from processors.promises import logic as promises
from tests.fakes import DictState

money = st.sampled_from(["0", "0.0001", "1", "1000.5", "9999999999999999.9999"])
positive_money = money.filter(lambda amount: amount != "0")
moments = st.datetimes(
    min_value=EARLIEST_MOMENT.replace(tzinfo=None), max_value=END_OF_MOMENTS.replace(tzinfo=None, year=2999)
).map(lambda moment: moment.replace(tzinfo=UTC).isoformat())
business_dates = st.dates(min_value=FIRST_BUSINESS_DATE, max_value=LAST_BUSINESS_DATE)
# the calendar's last months often: the rules add days to the oldest unpaid or the promised date
extreme_dates = st.one_of(st.dates(), st.sampled_from([date.min, date.max, date(9999, 12, 30)]))


@st.composite
def loans(draw) -> bytes:
    dues = sorted(draw(st.sets(extreme_dates, min_size=1, max_size=4)))
    rows = [
        {"due_date": due.isoformat(), "principal": draw(money), "interest": draw(money), "paid": "0"}
        for due in dues
    ]
    return orjson.dumps(
        {
            "account_number": "LN1",
            "cif": "C1",
            "product_type": "PERSONAL_LOAN",
            "currency": "VND",
            "original_amount": draw(money),
            "outstanding": draw(money),
            "disbursement_date": dues[0].isoformat(),
            "maturity_date": dues[-1].isoformat(),
            "interest_rate": "12.5",
            "term_months": 12,
            "status": draw(st.sampled_from(["OPEN", "CLOSED"])),
            "installments": rows,
            "source_system": "T24",
            "as_of": draw(moments),
        }
    )


@st.composite
def payments(draw) -> bytes:
    return orjson.dumps(
        {
            "reference_number": f"P{draw(st.integers(0, 3))}",
            "account_number": "LN1",
            "amount": draw(positive_money),
            "currency": "VND",
            "paid_at": draw(moments),
            "method": "CASH",
            "status": "COMPLETED",
        }
    )


@st.composite
def actions(draw) -> bytes:
    return orjson.dumps(
        {
            "action_id": f"A{draw(st.integers(0, 3))}",
            "cif": "C1",
            "account_number": "LN1",
            "agent_id": "AG1",
            "type": "CALL",
            "subtype": "OUTBOUND",
            "result": "PROMISE_TO_PAY",
            "at": draw(moments),
            "promise": {
                "date": draw(extreme_dates).isoformat(),
                "amount": draw(positive_money),
            },
            "follow_up_date": draw(extreme_dates).isoformat(),
        }
    )


events = st.lists(
    st.one_of(
        st.tuples(st.just("loan"), loans()),
        st.tuples(st.just("payment"), payments()),
        st.tuples(st.just("date"), business_dates),
        st.tuples(st.just("action"), actions()),
    ),
    max_size=8,
)


def _far_loan() -> bytes:
    """Its only installment is due on the calendar's last day: its next bucket change is past it."""
    row = {"due_date": "9999-12-31", "principal": "1", "interest": "0"}
    return orjson.dumps(
        {
            "account_number": "LN1",
            "cif": "C1",
            "product_type": "PERSONAL_LOAN",
            "currency": "VND",
            "original_amount": "1",
            "outstanding": "1",
            "disbursement_date": "2026-01-01",
            "maturity_date": "9999-12-31",
            "interest_rate": "1",
            "term_months": 1,
            "status": "OPEN",
            "installments": [row],
            "source_system": "T24",
            "as_of": "2026-01-01T00:00:00Z",
        }
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events)
@example([("loan", _far_loan()), ("date", date(2026, 1, 2))])
def test_any_accepted_message_goes_through_the_rules(sequence):
    store: dict = {}
    delinquency = lambda prefix: DictState(store, f"d:{prefix}")  # noqa: E731
    promised = lambda prefix: DictState(store, f"p:{prefix}")  # noqa: E731
    config = PromiseConfig()
    for kind, value in sequence:
        try:
            if kind == "loan":
                outputs = logic.on_snapshot(delinquency, snapshot_from(value))
            elif kind == "payment":
                outputs = logic.on_payment(delinquency, *payment_from(value))
            elif kind == "action":
                action = AgentAction.model_validate_json(value).model_dump()
                outputs = promises.on_action(promised, action, config)
            else:
                outputs, done = logic.on_business_date(delinquency, value)
                assert done
                outputs += promises.on_business_date(promised, value, config)
        except (ValidationError, DomainError):
            continue
        for topic, _key, record in outputs:
            orjson.dumps(record)  # what a processor produces next
            if topic == logic.PAYMENTS:
                promises.on_payment_fact(promised, record, config)
