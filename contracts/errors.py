"""One-line descriptions of validation errors, for people reading a terminal, a DLQ or an API reply."""

from __future__ import annotations

from pydantic import ValidationError

MAX_SHOWN = 3


def _location(loc: tuple) -> str:
    return ".".join(str(part) for part in loc)


def _message(error: dict) -> str:
    kind = error["type"]
    if kind == "json_invalid":
        detail = (error.get("ctx") or {}).get("error", "cannot parse")
        return f"invalid JSON: {detail}"
    if kind == "extra_forbidden":
        return f"{_location(error['loc'])}: unknown field"
    message = error["msg"]
    if kind == "value_error":
        message = message.removeprefix("Value error, ")
        # cross-field checks name their own fields; a model-level error has an empty location
        return message if not error["loc"] else f"{_location(error['loc'])}: {message}"
    location = _location(error["loc"])
    return f"{location}: {message}" if location else message


def describe(exc: ValidationError) -> str:
    """E.g. ``amount: Input should be greater than 0; currency: String should match pattern '^[A-Z]{3}$'``."""
    errors = exc.errors(include_url=False, include_input=False)
    shown = "; ".join(_message(error) for error in errors[:MAX_SHOWN])
    if len(errors) > MAX_SHOWN:
        shown += f" (+{len(errors) - MAX_SHOWN} more)"
    return shown
