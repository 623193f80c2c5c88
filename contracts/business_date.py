"""``ops.business-date``: the bank's business date, keyed by the bank's code (``MAIN`` by default)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field

from contracts.common import Code, Contract

# A new date ages every loan filed under each day since the last one, so a date centuries away (a typo such
# as 9026 for 2026) would cost a partition minutes of work in one transaction; the range leaves any real
# business date inside.
FIRST_BUSINESS_DATE, LAST_BUSINESS_DATE = date(1970, 1, 1), date(2199, 12, 31)


class BusinessDate(Contract):
    date: Annotated[date, Field(ge=FIRST_BUSINESS_DATE, le=LAST_BUSINESS_DATE)]
    # The message key is the bank's code; the field lets a JSONL file carry it.
    # `{"date": ...}` alone stays valid.
    bank: Code = "MAIN"
