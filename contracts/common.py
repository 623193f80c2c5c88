"""Types shared by every contract: exact money, capped strings, aware timestamps, the closed enums."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from contracts.errors import cross_field_error
from contracts.exact import ExactDecimal, JsonNumberSeen, loads_exact
from contracts.nul import may_hold_nul, reject_nul

# Money: a JSON number or a decimal string, kept as an exact Decimal; finite, at most 20 digits of which
# at most 4 after the point. Non-negative unless a field says otherwise (`SignedMoney`).
MONEY_INTEGER_DIGITS, MONEY_PLACES = 16, 4
Money = Annotated[Decimal, ExactDecimal(MONEY_INTEGER_DIGITS, MONEY_PLACES, ge=0)]
PositiveMoney = Annotated[Decimal, ExactDecimal(MONEY_INTEGER_DIGITS, MONEY_PLACES, gt=0)]
SignedMoney = Annotated[Decimal, ExactDecimal(MONEY_INTEGER_DIGITS, MONEY_PLACES)]
# An annual interest rate in percent (12.5 means 12.5 %).
Rate = Annotated[Decimal, ExactDecimal(4, 6, ge=0, le=1000)]

# Money in API responses: a decimal string ("1250000.50"), never a JSON number.
MONEY_OUT_SCHEMA = {"type": "string", "pattern": r"^-?[0-9]+(?:\.[0-9]+)?$"}
MoneyOut = Annotated[
    Decimal,
    PlainSerializer(lambda v: format(v, "f"), return_type=str, when_used="json"),
    WithJsonSchema(MONEY_OUT_SCHEMA, mode="serialization"),
]

Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Z0-9_]+$")]
Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:/-]+$")]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(max_length=4000)]
CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]  # ISO 4217 alphabetic code
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]  # ISO 3166-1 alpha-2
# The moment something happened: naive timestamps are rejected ("Input should have timezone info"), and so
# are years before 1900 or after 2999, which no event of a collection system has. The bounds leave room
# for the rules' day arithmetic and time-zone conversions, which fail near years 1 and 9999.
EARLIEST_MOMENT = datetime(1900, 1, 1, tzinfo=UTC)
END_OF_MOMENTS = datetime(3000, 1, 1, tzinfo=UTC)
Timestamp = Annotated[AwareDatetime, Field(ge=EARLIEST_MOMENT, lt=END_OF_MOMENTS)]


class Contract(BaseModel):
    """Base of every wire model: unknown fields are errors, instances are immutable.

    ``model_validate_json`` never reads a JSON number through a float: pydantic parses JSON numbers as
    doubles, so a message that carries one in a decimal field (rare: amounts usually come as strings) is
    parsed again with ``json.loads(parse_float=Decimal)`` and validated from that (see contracts.exact).
    It also refuses text holding NUL, which PostgreSQL cannot store (see contracts.nul).
    """

    # A field with a default is always present in what we send, so output schemas mark it required (the
    # web app's generated types then need no `?`); input schemas keep it optional.
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        str_strip_whitespace=False,
        json_schema_serialization_defaults_required=True,
    )

    @classmethod
    def model_validate_json(cls, json_data: str | bytes | bytearray, **options: Any) -> Self:
        if json_data is None:  # a Kafka tombstone; pydantic's own words name the JSON parser's input types
            error = PydanticCustomError(
                "null_value", "a null value (a tombstone) is not a {model}", {"model": cls.__name__}
            )
            line = {"type": error, "loc": (), "input": None}
            raise ValidationError.from_exception_data(cls.__name__, [line], input_type="json")
        try:
            model = super().model_validate_json(json_data, **options)
        except JsonNumberSeen:
            # a JSON number with a fraction in a decimal field: read the document again, exactly
            model = cls.model_validate(cls._exact(json_data), **options)
        if may_hold_nul(json_data):  # rare, and cheap to rule out: the walk only when the escape is there
            reject_nul(cls.__name__, cls._exact(json_data))
        return model

    @classmethod
    def _exact(cls, json_data: str | bytes | bytearray) -> Any:
        try:
            return loads_exact(json_data)
        except ValueError as error:
            raise ValidationError.from_exception_data(
                cls.__name__,
                [{"type": "json_invalid", "loc": (), "input": json_data, "ctx": {"error": str(error)}}],
                input_type="json",
            ) from None


class KeyedContract(Contract):
    """A value of a topic keyed by one of its fields (``KEY_FIELD``, the topic registry's ``key_field``).

    Read with ``context=under_key(key)``, a value sent under another key fails its contract at that field.
    The processors' state and partitions follow the key: a payment of LN2 sent under LN1 would be counted
    in a ledger of LN2 kept beside LN1's, where no loan ever arrives, and be lost without a word.
    """

    KEY_FIELD: ClassVar[str]

    @model_validator(mode="after")
    def _under_its_own_key(self, info: ValidationInfo) -> Self:
        if info.context and MESSAGE_KEY in info.context:  # a message without a key is refused too
            key = info.context[MESSAGE_KEY]
            if (own := getattr(self, self.KEY_FIELD)) != key:
                raise cross_field_error(self.KEY_FIELD, f"{own!r} is not the message key {key!r}")
        return self


MESSAGE_KEY = "message_key"
SENT_AT = "sent_at_ms"  # the message's Kafka timestamp (ms since the epoch), for checks of moments it names


def under_key(key: str | None, sent_at_ms: int | None = None) -> dict[str, str | int | None]:
    """The validation context that checks a `KeyedContract` against its message's key (None: it had
    none) and, given its timestamp (``sent_at_ms``, as Kafka keeps it, so a replay sees the same), the
    moments it names that cannot be after it was sent (a loan snapshot's ``as_of``)."""
    if sent_at_ms is not None and sent_at_ms > 0:  # -1: the broker has none
        return {MESSAGE_KEY: key, SENT_AT: sent_at_ms}
    return {MESSAGE_KEY: key}


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
