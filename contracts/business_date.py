"""``ops.business-date``: the bank's business date, keyed by the bank's code (``MAIN`` by default)."""

from __future__ import annotations

from datetime import date

from contracts.common import Code, Contract


class BusinessDate(Contract):
    date: date
    # The message key is the bank's code; the field lets a JSONL file carry it.
    # `{"date": ...}` alone stays valid.
    bank: Code = "MAIN"
