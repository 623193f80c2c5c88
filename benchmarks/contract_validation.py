"""How long ``model_validate_json`` takes per message: ``python benchmarks/contract_validation.py``.

Ingest's budget (2 cores, including the Kafka produce): 30,000 loans/s with 12 installments and
60,000 payments/s, so well under ~40 µs per loan and ~20 µs per payment.
"""

from __future__ import annotations

import re
import timeit
from datetime import date, timedelta

import orjson

from contracts import LoanSnapshot, Payment


def sample_loan(installments: int = 12) -> dict:
    first = date(2025, 2, 15)
    schedule = [
        {
            "due_date": (first + timedelta(days=30 * n)).isoformat(),
            "principal": f"{1_393_692 - 9_000 * n}.00",
            "interest": f"{723_308 - 4_100 * n}.00",
            "fees": "0.00",
            "penalty": "0.00" if n < 9 else "15000.00",
            "paid": f"{2_117_000 - 13_100 * n}.00" if n < 9 else "0.00",
        }
        for n in range(installments)
    ]
    return {
        "account_number": "LN0000000010",
        "cif": "C000000001",
        "product_type": "PERSONAL_LOAN",
        "currency": "VND",
        "original_amount": "58000000.00",
        "outstanding": "6161681.00",
        "disbursement_date": "2025-01-15",
        "maturity_date": "2026-01-15",
        "interest_rate": "20.50",
        "term_months": installments,
        "status": "OPEN",
        "installments": schedule,
        "custom_fields": {"risk_score": "0.731", "propensity_to_pay": "0.402", "segment_score": 3},
        "source_system": "T24",
        "as_of": "2026-01-31T20:00:00+07:00",
    }


SAMPLE_PAYMENT = {
    "reference_number": "PAY000000000360",
    "account_number": "LN0000002360",
    "amount": "23455480.00",
    "currency": "VND",
    "paid_at": "2026-02-01T08:04:10+07:00",
    "method": "AUTO_DEBIT",
    "status": "COMPLETED",
}


def _as_numbers(raw: bytes) -> bytes:
    """The same message with every decimal string written as a bare JSON number."""
    return re.sub(rb'"(-?[0-9]+\.[0-9]+)"', rb"\1", raw)


def microseconds(model, raw: bytes, number: int = 5_000) -> float:
    model.model_validate_json(raw)  # fails loudly if the sample is not valid
    return min(timeit.repeat(lambda: model.model_validate_json(raw), number=number, repeat=5)) / number * 1e6


def main() -> None:
    loan, payment = orjson.dumps(sample_loan()), orjson.dumps(SAMPLE_PAYMENT)
    rows = [
        ("bank.loans, 12 installments, money as strings", LoanSnapshot, loan),
        ("bank.loans, 12 installments, money as JSON numbers", LoanSnapshot, _as_numbers(loan)),
        ("payments, amount as a string", Payment, payment),
        ("payments, amount as a JSON number", Payment, _as_numbers(payment)),
    ]
    for label, model, raw in rows:
        print(f"{label:55s} {microseconds(model, raw):7.1f} µs/message")


if __name__ == "__main__":
    main()
