"""Hooks: handlers run after commit, and a failing handler never undoes the event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import transaction
from django.test import TestCase

from accord.accounts.models import Organisation
from accord.audit.hooks import Hook
from accord.commitments import services as adoption
from accord.engine.types import CheckResult, Status
from accord.evidence import services as evidence
from accord.evidence.hooks import OBSERVATION_RECORDED
from accord.evidence.models import Domain, Observation


@dataclass(frozen=True)
class Ping:
    n: int


@pytest.mark.django_db
def test_a_handler_runs_only_once_the_transaction_commits() -> None:
    hook = Hook[Ping]("test:ping:commit")
    seen: list[int] = []
    hook.subscribe(lambda ping: seen.append(ping.n))
    with TestCase.captureOnCommitCallbacks(execute=True):
        hook.announce(Ping(1))
        assert seen == []
    assert seen == [1]


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_announcement_reaches_no_handler() -> None:
    hook = Hook[Ping]("test:ping:rollback")
    seen: list[int] = []
    hook.subscribe(lambda ping: seen.append(ping.n))

    @transaction.atomic
    def announce_then_fail() -> None:
        hook.announce(Ping(2))
        raise RuntimeError("undo")

    with pytest.raises(RuntimeError):
        announce_then_fail()
    assert seen == []


@pytest.mark.django_db
def test_a_failing_handler_does_not_stop_the_next(caplog: pytest.LogCaptureFixture) -> None:
    hook = Hook[Ping]("test:ping:failure")
    seen: list[int] = []

    def broken(_ping: Ping) -> None:
        raise ValueError("broken subscriber")

    hook.subscribe(broken)
    hook.subscribe(lambda ping: seen.append(ping.n))
    with TestCase.captureOnCommitCallbacks(execute=True):
        hook.announce(Ping(3))
    assert seen == [3]
    assert "broken subscriber" in caplog.text


@pytest.mark.parametrize("name", ["nocolons", "two:parts", "a:b:c:d"])
def test_hook_names_read_like_audit_tags(name: str) -> None:
    with pytest.raises(ValueError, match="app:subject:action"):
        Hook[Ping](name)


def test_a_hook_name_is_declared_once() -> None:
    Hook[Ping]("test:ping:once")
    with pytest.raises(ValueError, match="declared twice"):
        Hook[Ping]("test:ping:once")


@pytest.mark.django_db(transaction=True)
def test_a_failure_in_adoption_keeps_the_observation(monkeypatch: Any) -> None:
    def fail(_recorded: Any) -> int:
        raise RuntimeError("adoption is down")

    monkeypatch.setattr(OBSERVATION_RECORDED, "_handlers", [fail])
    organisation = Organisation.objects.create(name="Hooked", slug="hooked")
    domain = Domain.objects.create(organisation=organisation, name="hooked.example")
    result = CheckResult("security-txt", Status.PASS, url="https://hooked.example/")
    evidence.record_observation(
        domain=domain, check_id="security-txt", result=result, now=datetime.now(UTC)
    )
    assert Observation.objects.filter(domain=domain).count() == 1


def test_adoption_subscribes_to_recorded_observations() -> None:
    assert adoption.follow_observation in OBSERVATION_RECORDED._handlers
