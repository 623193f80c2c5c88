"""Text with the NUL character (U+0000) is refused wherever it enters: topics, request bodies, URLs.

JSON may carry it (``"\\u0000"``) and pydantic accepts it in any string, but PostgreSQL stores it neither
in ``text`` nor in ``jsonb``. Taken in, it failed later: a sink's batch on every retry (a processor stuck
on one message) or the request that wrote it (a 500). So it is a validation error, reported at its field.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

NUL = "\x00"
NUL_TYPE = "string_nul"
NUL_MESSAGE = "Text must not contain the NUL character (U+0000)"
_ESCAPED = "\\u0000"  # the only way JSON can spell it (a raw control character is not valid JSON)


def may_hold_nul(json_data: str | bytes | bytearray) -> bool:
    """Whether a JSON document may hold NUL: a quick test that is never wrong when it answers False."""
    needle: Any = _ESCAPED if isinstance(json_data, str) else _ESCAPED.encode()
    return needle in json_data


def nul_locations(value: Any, loc: tuple = ()) -> Iterator[tuple[tuple, str]]:
    """(location, text) of every string in a JSON-like value holding NUL, object keys included."""
    if isinstance(value, str):
        if NUL in value:
            yield loc, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and NUL in key:
                yield (*loc, key), key
            yield from nul_locations(item, (*loc, key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from nul_locations(item, (*loc, index))


def nul_errors(value: Any, loc: tuple = ()) -> list[dict]:
    """Validation errors, in FastAPI's form, for every string of ``value`` holding NUL."""
    return [
        {"type": NUL_TYPE, "loc": where, "msg": NUL_MESSAGE, "input": text}
        for where, text in nul_locations(value, loc)
    ]


def reject_nul(title: str, value: Any) -> None:
    """Raise a ValidationError (as a contract's own) when some string of ``value`` holds NUL."""
    details = [
        InitErrorDetails(type=PydanticCustomError(NUL_TYPE, NUL_MESSAGE), loc=where, input=text)
        for where, text in nul_locations(value)
    ]
    if details:
        raise ValidationError.from_exception_data(title, details, input_type="json")
