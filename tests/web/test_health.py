"""`/healthz` as a load balancer sees it: JSON, 200 while the database and the task queue
answer, 503 as soon as either does not, open without signing in, and nothing secret in it."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db

# Nothing listens on port 1 of the loopback address: connecting is refused at once.
NO_REDIS = "redis://:hunter2-secret@127.0.0.1:1/0"
REDIS_URL = os.environ.get("ACCORD_TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"


def test_a_healthy_instance_answers_200_with_each_part(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]  # a cache must not answer for the site
    assert response.json() == {
        "status": "ok",
        "database": {"status": "ok"},
        "queue": {"status": "ok", "backend": "database"},
    }


def test_it_answers_without_signing_in_and_only_to_reads(client: Client) -> None:
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_a_database_that_does_not_answer_is_503(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connection

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise OperationalError('connection to server at "db.internal" failed: password rejected')

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    report = response.json()
    assert report["status"] == "unavailable"
    assert report["database"] == {"status": "unavailable", "error": "OperationalError"}
    assert b"db.internal" not in response.content


def test_an_unreachable_redis_queue_is_503_and_names_no_url(client: Client, settings: Any) -> None:
    settings.ACCORD_TASK_BACKEND = "redis"
    settings.RQ_QUEUES = {"default": {"URL": NO_REDIS}}
    response = client.get("/healthz")
    assert response.status_code == 503
    report = response.json()
    assert report["database"] == {"status": "ok"}
    assert report["queue"] == {
        "status": "unavailable",
        "backend": "redis",
        "error": "ConnectionError",
    }
    assert b"hunter2" not in response.content
    assert b"127.0.0.1" not in response.content


def test_a_redis_queue_that_answers_ping_is_healthy(client: Client, settings: Any) -> None:
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("ACCORD_REQUIRE_REDIS") == "1":
            pytest.fail(f"no Redis answers at {REDIS_URL}; .ci/run starts it")
        pytest.skip(f"no Redis answers at {REDIS_URL}")
    settings.ACCORD_TASK_BACKEND = "redis"
    settings.RQ_QUEUES = {"default": {"URL": REDIS_URL}}
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["queue"] == {"status": "ok", "backend": "redis"}


def test_the_immediate_backend_needs_no_queue(client: Client, settings: Any) -> None:
    settings.ACCORD_TASK_BACKEND = "immediate"
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["queue"] == {"status": "ok", "backend": "immediate"}


def test_the_secret_settings_are_nowhere_in_the_answer(client: Client, settings: Any) -> None:
    body = client.get("/healthz").content.decode()
    for secret in (settings.SECRET_KEY, settings.ACCORD_AUDIT_KEY):
        assert secret not in body
