"""How every Accord process logs: plain lines for a person at a terminal, or one JSON
object a line (`ACCORD_LOG_FORMAT=json`) for a log collector.

The settings' LOGGING names `JsonLinesFormatter` and `RequestIdFilter`; `accord serve`
gives gunicorn's own error and access logs the same form (`gunicorn_logging`). Plain
Python, no Django: gunicorn's master process formats lines before Django is set up.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

# The id of the request this thread serves, set by `accord.web.request_id`.
request_id: ContextVar[str | None] = ContextVar("accord_request_id", default=None)

# What every LogRecord has; anything else on a record came from `extra=` or a filter.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class RequestIdFilter(logging.Filter):
    """Adds `request_id` to each record made while a request is served."""

    def filter(self, record: logging.LogRecord) -> bool:
        current = request_id.get()
        if current is not None and not hasattr(record, "request_id"):
            record.request_id = current
        return True


class JsonLinesFormatter(logging.Formatter):
    """One JSON object a line: `time` (UTC, ISO 8601), `level`, `logger`, `message`, the
    `exception` (its traceback as text) if any, and every extra field of the record, such
    as `request_id`. A newline in a message stays inside its line, escaped."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in entry:
                entry[key] = _plain(value)
        entry.update(_access_fields(record))
        return json.dumps(entry, ensure_ascii=False, default=str)


def _plain(value: Any) -> Any:
    """A JSON-ready form of an extra field; a request (Django's `django.request` logger
    passes one) becomes its method and path, anything else unusual its text."""
    if isinstance(value, str | int | float | bool | type(None)):
        return value
    if hasattr(value, "method") and hasattr(value, "path"):
        return {"method": value.method, "path": value.path}
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return str(value)
    return value


# gunicorn's access log passes its "atoms" as the record's arguments.
_ACCESS_ATOMS = {
    "h": "remote",
    "m": "method",
    "U": "path",
    "q": "query",
    "s": "status",
    "B": "bytes",
    "a": "user_agent",
    "{x-request-id}o": "request_id",
}


def _access_fields(record: logging.LogRecord) -> dict[str, Any]:
    if record.name != "gunicorn.access" or not isinstance(record.args, dict):
        return {}
    atoms = record.args
    fields = {name: atoms.get(atom) for atom, name in _ACCESS_ATOMS.items()}
    if isinstance(atoms.get("D"), int):
        fields["duration_ms"] = round(atoms["D"] / 1000, 1)
    return {name: value for name, value in fields.items() if value not in (None, "", "-")}


def gunicorn_logging() -> dict[str, Any]:
    """gunicorn's `logconfig_dict`: its error and access logs as JSON lines."""
    formatter = {"()": f"{__name__}.JsonLinesFormatter"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": formatter},
        "handlers": {
            "error_console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            },
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stdout",
            },
        },
        "root": {"level": "INFO", "handlers": ["error_console"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
        },
    }
