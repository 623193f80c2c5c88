"""One-line descriptions of validation errors, for people reading a terminal, a DLQ or an API reply."""

from __future__ import annotations

from pydantic import ValidationError
from pydantic_core import PydanticCustomError

MAX_SHOWN = 3
CROSS_FIELD = "cross_field"


def cross_field_error(field: str, message: str) -> PydanticCustomError:
    """An error from a model's cross-field check, reported at ``field`` (dotted, relative to the model).

    A model validator cannot set the location of its error, so the field travels in the context and
    :func:`describe` puts it where pydantic would: ``installments.3.paid: paid 120 exceeds ...``.
    """
    return PydanticCustomError(CROSS_FIELD, "{field}: {message}", {"field": field, "message": message})


def _location(loc: tuple) -> str:
    return ".".join(str(part) for part in loc)


def _message(error: dict) -> str:
    kind, location = error["type"], _location(error["loc"])
    if kind == "json_invalid":
        detail = (error.get("ctx") or {}).get("error", "cannot parse")
        return f"invalid JSON: {detail}"
    if kind == CROSS_FIELD:
        context = error["ctx"]
        field = f"{location}.{context['field']}" if location else context["field"]
        return f"{field}: {context['message']}"
    if kind == "extra_forbidden":
        return f"{location}: unknown field"
    message = error["msg"]
    if kind == "value_error":
        message = message.removeprefix("Value error, ")
    return f"{location}: {message}" if location else message


def describe(exc: ValidationError) -> str:
    """E.g. ``amount: Input should be greater than 0; currency: String should match pattern '^[A-Z]{3}$'``.

    Locations are joined with dots, errors with "; ", at most three shown and then ``(+N more)``.
    """
    errors = exc.errors(include_url=False, include_input=False)
    shown = "; ".join(_message(error) for error in errors[:MAX_SHOWN])
    if len(errors) > MAX_SHOWN:
        shown += f" (+{len(errors) - MAX_SHOWN} more)"
    return shown
