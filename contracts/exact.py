"""Exact decimals from JSON, checked on pydantic's Rust side so that ingest stays fast.

pydantic reads a JSON number through a double (``1250000.10`` would arrive as ``1250000.1``, and 17 or
more digits are rounded). So, in JSON, a decimal field validates a decimal *string* (a regular expression,
then ``Decimal``) or a JSON *integer* (exact) directly, but a JSON number with a fraction stops the whole
validation at once with :class:`JsonNumberSeen`; :meth:`contracts.common.Contract.model_validate_json`
then validates the message again from ``json.loads(parse_float=Decimal)``, which keeps the number's own
digits. Amounts usually come as strings, so the second pass is the exception.

Digit limits are part of the regular expression: pydantic's ``max_digits``/``decimal_places`` checks cost
more than the rest of the field (a 12-installment loan has 60 money fields). Python mode (a ``Decimal`` or
``float`` from code, or the exact second pass) writes such a number as text and applies the same
expression, so both modes accept exactly the same values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NoReturn

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import core_schema as cs

DECIMAL_FORMAT = "decimal_format"
ONE_OF = "one_of"


class JsonNumberSeen(Exception):  # noqa: N818 - a signal, not a failure
    """A JSON number with a fraction reached a decimal field: validate again from an exact parse.

    Deliberately not a ValueError: pydantic turns those into validation errors and carries on, while any
    other exception ends the validation at once, so a message full of JSON numbers costs one field.
    Only :meth:`Contract.model_validate_json` sees it; validate contracts through that method.
    """


def _defer_json_number(value: float) -> NoReturn:
    raise JsonNumberSeen(
        "a JSON number with a fraction in a decimal field; validate contracts with "
        "Model.model_validate_json, which reads such numbers exactly"
    )


def _number_text(value: Decimal | float) -> str:
    # repr of a float is the shortest text that reads back as the same double: what the caller wrote
    number = value if isinstance(value, Decimal) else Decimal(repr(value))
    if not number.is_finite() or abs(number.adjusted()) > 64:
        return str(number)  # "NaN", "1E+999999999": fails the pattern without writing a billion zeros
    return format(number, "f")


def _to_text(value: Decimal) -> str:
    return format(value, "f")  # never "1E+3": the text must match the pattern when read back


def _json_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(frozen=True)
class ExactDecimal:
    """Annotation for ``Annotated[Decimal, ExactDecimal(...)]``.

    ``integer_digits``/``places``: at most that many digits before/after the point (trailing zeros after
    the last allowed place are accepted: ``"1.50000"`` is 1.5). No exponent, no NaN or infinity.
    ``canonical``: no leading zeros, so that a string such as ``"007"`` is not a number (for a value that
    may be a number or a string).
    """

    integer_digits: int
    places: int
    ge: Decimal | int | None = None
    gt: Decimal | int | None = None
    le: Decimal | int | None = None
    canonical: bool = False

    @property
    def pattern(self) -> str:
        digits = self.integer_digits
        integer = f"(?:0|[1-9][0-9]{{0,{digits - 1}}})" if self.canonical else f"[0-9]{{1,{digits}}}"
        return rf"^-?{integer}(?:\.[0-9]{{1,{self.places}}}0*)?$"

    @property
    def message(self) -> str:
        return (
            'Input should be a valid decimal (a JSON number or a string like "1250.50") with at most '
            f"{self.integer_digits} digits before the point and {self.places} after it"
        )

    def _decimal(self) -> cs.CoreSchema:
        """Text or integer → Decimal, with the bounds (the digit limit is a plain comparison for integers)."""
        limit = Decimal(10) ** self.integer_digits
        lower = {} if self.ge is not None or self.gt is not None else {"gt": -limit}
        return cs.decimal_schema(ge=self.ge, le=self.le, lt=limit, **({"gt": self.gt} | lower))

    def _union(self, choices: list[cs.CoreSchema]) -> cs.CoreSchema:
        # The union's own custom error, not custom_error_schema: that one would also swallow JsonNumberSeen.
        return cs.union_schema(
            choices,
            mode="left_to_right",
            custom_error_type=DECIMAL_FORMAT,
            custom_error_message=self.message,
        )

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> cs.CoreSchema:
        text = cs.str_schema(strict=True, pattern=self.pattern)
        integer = cs.int_schema(strict=True)
        json_number = cs.chain_schema(
            [cs.float_schema(strict=True), cs.no_info_plain_validator_function(_defer_json_number)]
        )
        python_number = cs.chain_schema(
            [
                cs.union_schema([cs.is_instance_schema(Decimal), cs.float_schema(strict=True)]),
                cs.no_info_plain_validator_function(_number_text),
                text,
            ]
        )
        return cs.json_or_python_schema(
            json_schema=cs.chain_schema([self._union([text, integer, json_number]), self._decimal()]),
            python_schema=cs.chain_schema([self._union([text, integer, python_number]), self._decimal()]),
            serialization=cs.plain_serializer_function_ser_schema(_to_text, when_used="json"),
        )

    def __get_pydantic_json_schema__(
        self, schema: cs.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        limit = 10**self.integer_digits
        unsigned = any(bound is not None and bound >= 0 for bound in (self.ge, self.gt))
        # Validation takes a minus sign on any string so that "-5" fails as "greater than 0"; the document
        # states what is valid.
        text = {"type": "string", "pattern": self.pattern.replace("-?", "") if unsigned else self.pattern}
        if self.gt == 0:  # some digit other than 0 ("0.00" is not over 0); ECMA-262 has the lookahead
            text["pattern"] = "^(?=[^1-9]*[1-9])" + text["pattern"].removeprefix("^")
        if handler.mode == "serialization":
            return text
        number: dict[str, Any] = {"type": "number"}
        for bound, keyword in (("ge", "minimum"), ("gt", "exclusiveMinimum"), ("le", "maximum")):
            if (value := getattr(self, bound)) is not None:
                number[keyword] = _json_number(Decimal(value))
        if self.ge is None and self.gt is None:
            number["exclusiveMinimum"] = -limit
        if self.le is None:
            number["exclusiveMaximum"] = limit
        return {"anyOf": [text, number]}


@dataclass(frozen=True)
class OneOf:
    """Annotation for a union: one error saying what the value may be, instead of one per member."""

    message: str

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> cs.CoreSchema:
        schema = handler(source)
        union = schema["schema"] if schema["type"] == "nullable" else schema
        if union["type"] != "union":
            raise TypeError(f"OneOf annotates a union, not {union['type']}")
        # set on the union itself: a custom_error_schema around it would also swallow JsonNumberSeen
        union["custom_error_type"], union["custom_error_message"] = ONE_OF, self.message
        return schema


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def loads_exact(data: str | bytes | bytearray) -> Any:
    """The JSON document with every non-integer number as an exact Decimal.

    Raises ValueError (json.JSONDecodeError, UnicodeDecodeError, or NaN/Infinity, which pydantic's
    parser tolerates but JSON does not have).
    """
    return json.loads(data, parse_float=Decimal, parse_constant=_no_constants)
