"""The id of the request being served, for log lines and error replies."""

from __future__ import annotations

from contextvars import ContextVar

_request_id: ContextVar[str] = ContextVar("request_id", default="-")


def current_request_id() -> str:
    return _request_id.get()


def set_request_id(value: str):
    """Set it for the current task; returns the token that ``reset_request_id`` takes."""
    return _request_id.set(value)


def reset_request_id(token) -> None:
    _request_id.reset(token)
