"""``payments``: payments and reversals, keyed by ``account_number``, unique by ``reference_number``."""

from __future__ import annotations

from typing import Self

from pydantic import model_validator

from contracts.common import (
    CurrencyCode,
    Identifier,
    KeyedContract,
    PaymentMethod,
    PaymentStatus,
    PositiveMoney,
    Timestamp,
)
from contracts.errors import cross_field_error


class Payment(KeyedContract):
    KEY_FIELD = "account_number"

    reference_number: Identifier
    account_number: Identifier
    amount: PositiveMoney
    currency: CurrencyCode
    paid_at: Timestamp
    method: PaymentMethod
    status: PaymentStatus
    reverses: Identifier | None = None

    @model_validator(mode="after")
    def _reversal_names_its_payment(self) -> Self:
        if self.status is PaymentStatus.REVERSED:
            if self.reverses is None:
                raise cross_field_error("reverses", "a REVERSED payment must name the payment it undoes")
            if self.reverses == self.reference_number:
                raise cross_field_error(
                    "reverses", "a reversal needs a reference_number of its own, not the reversed one"
                )
        elif self.reverses is not None:
            raise cross_field_error("reverses", f"only allowed on a REVERSED payment, not on {self.status}")
        return self
