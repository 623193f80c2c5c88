"""``bank.loans``: loan snapshots with the full installment schedule, keyed by ``account_number``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Self

from pydantic import Field, StrictBool, StrictInt, model_validator

from contracts.common import (
    Code,
    Contract,
    CurrencyCode,
    Identifier,
    LoanStatus,
    Money,
    ProductType,
    Rate,
    Timestamp,
)

MAX_INSTALLMENTS = 600
CustomFieldName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
# Custom field values stay exact: numbers as Decimal (never float), or short strings, booleans, null.
CustomFieldValue = StrictBool | StrictInt | Decimal | Annotated[str, Field(max_length=200)] | None


class Installment(Contract):
    due_date: date
    principal: Money
    interest: Money
    fees: Money = Decimal(0)
    penalty: Money = Decimal(0)
    paid: Money = Decimal(0)


class LoanSnapshot(Contract):
    account_number: Identifier
    cif: Identifier
    product_type: ProductType
    currency: CurrencyCode
    original_amount: Money
    outstanding: Money
    disbursement_date: date
    maturity_date: date
    interest_rate: Rate
    term_months: Annotated[int, Field(ge=0, le=1200)]
    status: LoanStatus
    installments: Annotated[list[Installment], Field(max_length=MAX_INSTALLMENTS)]
    custom_fields: Annotated[dict[CustomFieldName, CustomFieldValue], Field(max_length=50)] = {}
    source_system: Code
    as_of: Timestamp

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.disbursement_date > self.maturity_date:
            raise ValueError(
                f"disbursement_date {self.disbursement_date} is after maturity_date {self.maturity_date}"
            )
        previous = None
        for index, item in enumerate(self.installments):
            if previous is not None and item.due_date <= previous:
                raise ValueError(
                    f"installments.{index}.due_date {item.due_date} is not after the previous one "
                    f"{previous}; due dates must be unique and increasing"
                )
            previous = item.due_date
            due = item.principal + item.interest + item.fees + item.penalty
            if item.paid > due:
                raise ValueError(f"installments.{index}.paid {item.paid} exceeds the amount due {due}")
        return self
