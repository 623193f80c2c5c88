"""Structured logging: key=value lines for people, one JSON object a line with ``CRM_LOG_JSON=1``.

Every line passes :class:`RedactCredentials` first, so a password inside a service URL never reaches a log,
whether it comes in the message, an ``extra`` field or a traceback (a driver's error may quote its URL).
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

import orjson

from crm.settings import redact_credentials

# `color_message` is uvicorn's ANSI-coloured copy of the message, not an extra worth printing
_RESERVED = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime", "color_message"}
_TRACEBACKS = logging.Formatter()


def _redacted(value: object) -> object:
    """A string (or anything whose text shows a password) without the password; anything else as it is."""
    if isinstance(value, str):
        return redact_credentials(value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    text = str(value)
    hidden = redact_credentials(text)
    return hidden if hidden != text else value


class RedactCredentials(logging.Filter):
    """Rewrites the record in place: message, extras and traceback text with passwords hidden."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed call (arguments that do not fit): the handler reports it, not us
            return True
        record.msg, record.args = redact_credentials(message), None
        for name, value in list(vars(record).items()):
            if name not in _RESERVED:
                setattr(record, name, _redacted(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact_credentials(record.exc_text)
        if record.stack_info:
            record.stack_info = redact_credentials(record.stack_info)
        return True


def _traceback(formatter: logging.Formatter, record: logging.LogRecord) -> str:
    # the filter left the redacted text in exc_text; format it here only when no filter ran
    if record.exc_text:
        return record.exc_text
    return formatter.formatException(record.exc_info) if record.exc_info else ""


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extras = {k: v for k, v in vars(record).items() if k not in _RESERVED}
        line = f"{self.formatTime(record, '%Y-%m-%dT%H:%M:%S')} {record.levelname:<7} {record.name}: "
        line += record.getMessage()
        if extras:
            line += " " + " ".join(f"{k}={v}" for k, v in extras.items())
        if record.exc_info:
            line += "\n" + _traceback(self, record)
        return line


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        payload.update({k: v for k, v in vars(record).items() if k not in _RESERVED})
        if record.exc_info:
            payload["exc"] = _traceback(self, record)
        return orjson.dumps(payload, default=str).decode()


def configure_logging(level: str = "INFO", json: bool = False, stream: TextIO | None = None) -> None:
    """One handler on the root logger, writing to ``stream`` (default: standard error)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if json else KeyValueFormatter())
    handler.addFilter(RedactCredentials())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Chatty libraries: their per-request lines drown ours; their warnings and errors still show.
    # (elastic_transport logs each retry as a warning with a full traceback: errors only.)
    logging.getLogger("elastic_transport").setLevel(logging.ERROR)
    logging.getLogger("rdkafka").setLevel(logging.ERROR)
    logging.getLogger("httpx").setLevel(logging.WARNING)
