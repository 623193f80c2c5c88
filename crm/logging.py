"""Structured logging: key=value lines for people, one JSON object a line with ``CRM_LOG_JSON=1``."""

from __future__ import annotations

import logging
import sys

import orjson

# `color_message` is uvicorn's ANSI-coloured copy of the message, not an extra worth printing
_RESERVED = set(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime", "color_message"}


class KeyValueFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        extras = {k: v for k, v in vars(record).items() if k not in _RESERVED}
        line = f"{self.formatTime(record, '%Y-%m-%dT%H:%M:%S')} {record.levelname:<7} {record.name}: "
        line += record.getMessage()
        if extras:
            line += " " + " ".join(f"{k}={v}" for k, v in extras.items())
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
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
            payload["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(payload, default=str).decode()


def configure_logging(level: str = "INFO", json: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if json else KeyValueFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Chatty libraries: their per-request lines drown ours; their warnings and errors still show.
    # (elastic_transport logs each retry as a warning with a full traceback: errors only.)
    logging.getLogger("elastic_transport").setLevel(logging.ERROR)
    logging.getLogger("rdkafka").setLevel(logging.ERROR)
    logging.getLogger("httpx").setLevel(logging.WARNING)
