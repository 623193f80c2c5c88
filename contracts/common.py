"""Types shared by every contract: exact money, capped strings, aware timestamps, the closed enums."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, PlainSerializer

# Money arrives as a JSON number or a decimal string and is kept as an exact Decimal (see docs/contracts).
# Bounds are plain comparisons: digit-count checks cost four times as much and ingest validates millions.
MONEY_LIMIT = Decimal("1e15")
Money = Annotated[Decimal, Field(ge=0, le=MONEY_LIMIT)]
PositiveMoney = Annotated[Decimal, Field(gt=0, le=MONEY_LIMIT)]
Rate = Annotated[Decimal, Field(ge=0, le=1000, max_digits=12, decimal_places=6, allow_inf_nan=False)]

# Money in API responses: a decimal string ("1250000.50"), never a JSON number.
MoneyOut = Annotated[Decimal, PlainSerializer(lambda v: format(v, "f"), return_type=str, when_used="json")]

Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Z0-9_]+$")]
Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:/-]+$")]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(max_length=4000)]
CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
Timestamp = AwareDatetime


class Contract(BaseModel):
    """Base of every wire model: unknown fields are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=False)


class CustomerType(StrEnum):
    INDIVIDUAL = "INDIVIDUAL"
    ORGANIZATION = "ORGANIZATION"


class ProductType(StrEnum):
    PERSONAL_LOAN = "PERSONAL_LOAN"
    MORTGAGE = "MORTGAGE"
    AUTO_LOAN = "AUTO_LOAN"
    CREDIT_CARD = "CREDIT_CARD"
    OVERDRAFT = "OVERDRAFT"


class LoanStatus(StrEnum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"


class PaymentMethod(StrEnum):
    BANK_TRANSFER = "BANK_TRANSFER"
    CASH = "CASH"
    CARD = "CARD"
    AUTO_DEBIT = "AUTO_DEBIT"
    OTHER = "OTHER"


class PaymentStatus(StrEnum):
    PENDING = "PENDING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    REVERSED = "REVERSED"


class PhoneType(StrEnum):
    MOBILE = "MOBILE"
    HOME = "HOME"
    WORK = "WORK"
    OTHER = "OTHER"


class EmailType(StrEnum):
    PERSONAL = "PERSONAL"
    WORK = "WORK"
    HOME = "HOME"
    OTHER = "OTHER"


AddressType = EmailType  # the same closed list: PERSONAL | WORK | HOME | OTHER


class ContactChannel(StrEnum):
    PHONE = "PHONE"
    SMS = "SMS"
    EMAIL = "EMAIL"
    VISIT = "VISIT"
