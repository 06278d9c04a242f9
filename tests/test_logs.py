"""Log lines: one JSON object a line with `ACCORD_LOG_FORMAT=json` (time, level, logger,
message, the exception, extra fields such as the request id), plain lines otherwise; and
each request's id on the lines logged while it is served and on its response."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from accord.logs import JsonLinesFormatter, RequestIdFilter, gunicorn_logging

EMIT = """
import logging, django
django.setup()
log = logging.getLogger("accord.example")
log.warning("a scan of %s failed", "example.org", extra={"domain": "example.org"})
try:
    1 / 0
except ZeroDivisionError:
    log.exception("two lines\\nin one message")
"""


def emitted(tmp_path: Path, **env: str) -> list[str]:
    environment = {k: v for k, v in os.environ.items() if k != "ACCORD_LOG_FORMAT"}
    environment.update(ACCORD_DATA_DIR=str(tmp_path), **env)
    done = subprocess.run(
        [sys.executable, "-c", EMIT],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return done.stderr.splitlines()


def record(**extra: Any) -> logging.LogRecord:
    made = logging.LogRecord("accord.x", logging.ERROR, __file__, 1, "it broke: %s", ("x",), None)
    for key, value in extra.items():
        setattr(made, key, value)
    return made


def test_with_the_json_format_every_line_is_a_json_object(tmp_path: Path) -> None:
    lines = emitted(tmp_path, ACCORD_LOG_FORMAT="json")
    assert len(lines) == 2  # the traceback and the newline stay inside their line
    warning, error = (json.loads(line) for line in lines)
    assert warning["level"] == "WARNING"
    assert warning["logger"] == "accord.example"
    assert warning["message"] == "a scan of example.org failed"
    assert warning["domain"] == "example.org"
    assert datetime.fromisoformat(warning["time"]).utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    assert error["message"] == "two lines\nin one message"
    assert error["exception"].startswith("Traceback")
    assert "ZeroDivisionError" in error["exception"]


def test_without_it_lines_are_plain(tmp_path: Path) -> None:
    lines = emitted(tmp_path)
    assert "WARNING [accord.example] a scan of example.org failed" in lines[0]
    with pytest.raises(json.JSONDecodeError):
        json.loads(lines[0])
    assert any(line.startswith("Traceback") for line in lines)


def test_an_unknown_format_is_one_line_from_the_command(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "accord.cli", "audit", "head"],
        env={**os.environ, "ACCORD_DATA_DIR": str(tmp_path), "ACCORD_LOG_FORMAT": "xml"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "Error: the settings are wrong: ACCORD_LOG_FORMAT must be plain or json"
    ]


def test_extra_fields_that_are_not_json_become_text() -> None:
    class Request:
        method, path = "GET", "/adoption/"

    line = json.loads(JsonLinesFormatter().format(record(request=Request(), where=Path("/x"))))
    assert line["request"] == {"method": "GET", "path": "/adoption/"}
    assert line["where"] == "/x"
    assert line["message"] == "it broke: x"


def test_gunicorn_access_lines_carry_the_request_fields() -> None:
    atoms = {"h": "192.0.2.7", "m": "GET", "U": "/healthz", "q": "", "s": "503", "B": 90}
    atoms |= {"a": "kube-probe/1.30", "D": 2500, "{x-request-id}o": "lb-1"}
    access = logging.LogRecord("gunicorn.access", logging.INFO, "", 0, "%(h)s %(s)s", (), None)
    access.args = atoms
    line = json.loads(JsonLinesFormatter().format(access))
    assert line["message"] == "192.0.2.7 503"
    assert line["status"] == "503"
    assert line["path"] == "/healthz"
    assert line["request_id"] == "lb-1"
    assert line["duration_ms"] == 2.5
    assert "query" not in line


def test_gunicorn_is_given_json_for_its_error_and_access_logs() -> None:
    config = gunicorn_logging()
    assert config["formatters"]["json"]["()"] == "accord.logs.JsonLinesFormatter"
    for name in ("gunicorn.error", "gunicorn.access"):
        handler = config["loggers"][name]["handlers"][0]
        assert config["handlers"][handler]["formatter"] == "json"


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """What the health check logs, as the configured console handler would write it."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonLinesFormatter())
    logger = logging.getLogger("accord.web.health")
    logger.addHandler(handler)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)


@pytest.mark.django_db
def test_lines_logged_while_serving_a_request_carry_its_id(
    client: Client, settings: Any, json_log: io.StringIO
) -> None:
    settings.ACCORD_TASK_BACKEND = "redis"
    settings.RQ_QUEUES = {"default": {"URL": "redis://127.0.0.1:1/0"}}
    response = client.get("/healthz", headers={"X-Request-ID": "lb-7f3a"})
    assert response["X-Request-ID"] == "lb-7f3a"
    line = json.loads(json_log.getvalue().splitlines()[0])
    assert line["request_id"] == "lb-7f3a"
    assert line["level"] == "WARNING"
    assert "ConnectionError" in line["exception"]


@pytest.mark.django_db
def test_a_request_without_a_usable_id_gets_a_new_one(client: Client) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "bad id\r\nSet-Cookie: x"})
    other = client.get("/healthz")
    assert len(given["X-Request-ID"]) == 32
    assert given["X-Request-ID"] != other["X-Request-ID"]
