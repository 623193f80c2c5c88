"""``bank.collaterals``: collateral and the loans it secures, keyed by ``collateral_number``."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field

from contracts.common import Code, CurrencyCode, Identifier, KeyedContract, Money, Timestamp

# Free-form descriptive details (vehicle make and plate, property address and area...), kept small.
Details = Annotated[
    dict[Annotated[str, Field(max_length=64)], Annotated[str, Field(max_length=500)]], Field(max_length=30)
]


class Collateral(KeyedContract):
    KEY_FIELD = "collateral_number"

    collateral_number: Identifier
    cif: Identifier
    account_numbers: Annotated[list[Identifier], Field(min_length=1, max_length=100)]
    type: Code
    value: Money
    currency: CurrencyCode
    valuation_date: date
    details: Details = {}
    source_system: Code
    updated_at: Timestamp
