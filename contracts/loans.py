"""``bank.loans``: loan snapshots with the full installment schedule, keyed by ``account_number``."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Self

from pydantic import Field, StrictBool, StrictInt, ValidationInfo, model_validator

from contracts.common import (
    SENT_AT,
    Code,
    Contract,
    CurrencyCode,
    Identifier,
    KeyedContract,
    LoanStatus,
    Money,
    ProductType,
    Rate,
    Timestamp,
)
from contracts.errors import cross_field_error
from contracts.exact import ExactDecimal, OneOf

MAX_INSTALLMENTS = 600
CustomFieldName = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
# Custom field values stay exact: a JSON number, or a string that is a plain decimal number without
# leading zeros ("0.731"), becomes a Decimal (never a float); other strings stay strings ("007").
CustomNumber = Annotated[Decimal, ExactDecimal(18, 10, canonical=True)]
CustomFieldValue = Annotated[
    StrictBool | StrictInt | CustomNumber | Annotated[str, Field(max_length=200)] | None,
    Field(union_mode="left_to_right"),
    OneOf(
        "Input should be a boolean, an integer, a decimal number (at most 18 digits before the point and 10 "
        "after it), a string of at most 200 characters or null"
    ),
]


class Installment(Contract):
    due_date: date
    principal: Money
    interest: Money
    fees: Money = Decimal(0)
    penalty: Money = Decimal(0)
    paid: Money = Decimal(0)


# How far a snapshot's ``as_of`` may be after the moment its message was sent: clocks and zones written
# wrong by a few hours pass; a date typed in the future does not. Such a snapshot would replace every later
# one until that moment (a newer one replaces the older, an older one arriving late is ignored).
AS_OF_MAX_AHEAD = timedelta(days=1)


def _not_after_sent(as_of: datetime, sent_at_ms: int) -> None:
    sent = datetime.fromtimestamp(sent_at_ms / 1000, UTC)
    if as_of - sent > AS_OF_MAX_AHEAD:
        raise cross_field_error(
            "as_of",
            f"{as_of.isoformat()} is more than a day after the message was sent"
            f" ({sent.isoformat(timespec='seconds')}): a snapshot cannot be of a later moment than it is"
            " sent; correct as_of and send it again",
        )


class LoanSnapshot(KeyedContract):
    KEY_FIELD = "account_number"

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
    def _consistent(self, info: ValidationInfo) -> Self:
        if info.context and (sent_at_ms := info.context.get(SENT_AT)) is not None:
            _not_after_sent(self.as_of, sent_at_ms)
        if self.disbursement_date > self.maturity_date:
            raise cross_field_error(
                "disbursement_date",
                f"{self.disbursement_date} is after maturity_date {self.maturity_date}",
            )
        previous = None
        for index, item in enumerate(self.installments):
            if previous is not None and item.due_date <= previous:
                raise cross_field_error(
                    f"installments.{index}.due_date",
                    f"{item.due_date} is not after the previous due date {previous} "
                    "(due dates must be unique and increasing)",
                )
            previous = item.due_date
            if item.paid:  # most schedule rows are unpaid: skip the sum
                due = item.principal + item.interest + item.fees + item.penalty
                if item.paid > due:
                    raise cross_field_error(
                        f"installments.{index}.paid", f"paid {item.paid} exceeds the amount due {due}"
                    )
        return self
