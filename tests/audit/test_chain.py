"""The audit log is append-only and `accord audit verify` finds any tampering."""

from __future__ import annotations

import json
from itertools import pairwise
from typing import Any

import pytest
from click.testing import CliRunner
from django.db import connection

from accord.audit.models import AppendOnlyError, Event
from accord.audit.selectors import verify_chain
from accord.audit.services import record_event
from accord.cli import main

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(org_a: Any) -> list[Event]:
    return [
        record_event(tag="test:thing:create", organisation=org_a, data={"n": n, "note": "é"})
        for n in range(5)
    ]


def _raw(sql: str, *params: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _verify() -> tuple[int, str]:
    result = CliRunner().invoke(main, ["audit", "verify"])
    return result.exit_code, result.output


def test_intact_chain_verifies(chain: list[Event]) -> None:
    code, output = _verify()
    assert code == 0
    assert "5 events verified" in output


def test_each_event_links_to_the_one_before(chain: list[Event]) -> None:
    assert [e.seq for e in chain] == [1, 2, 3, 4, 5]
    for before, after in pairwise(chain):
        assert after.prev_hash == before.hash


def test_edited_event_is_named(chain: list[Event]) -> None:
    _raw("UPDATE audit_event SET data = %s WHERE seq = 3", '{"n": 99, "note": "é"}')
    code, output = _verify()
    assert code == 1
    assert "event #3" in output
    assert "edited" in output


def test_deleted_event_is_named(chain: list[Event]) -> None:
    _raw("DELETE FROM audit_event WHERE seq = 2")
    code, output = _verify()
    assert code == 1
    assert "event #3" in output


def test_deleting_the_newest_event_is_caught_by_the_head(chain: list[Event]) -> None:
    _raw("DELETE FROM audit_event WHERE seq = 5")
    code, output = _verify()
    assert code == 1
    assert "#5" in output


def test_reordered_events_are_caught(chain: list[Event]) -> None:
    # Swap the content of two events while keeping their sequence numbers.
    second, fourth = chain[1], chain[3]
    for event, other in ((second, fourth), (fourth, second)):
        _raw(
            "UPDATE audit_event SET tag = %s, data = %s, prev_hash = %s, hash = %s WHERE seq = %s",
            other.tag,
            json.dumps({"n": other.data["n"], "note": "é"}),
            other.prev_hash,
            f"tmp{event.seq}",
            event.seq,
        )
    _raw("UPDATE audit_event SET hash = %s WHERE seq = 2", fourth.hash)
    _raw("UPDATE audit_event SET hash = %s WHERE seq = 4", second.hash)
    report = verify_chain()
    assert not report.intact
    assert report.first_break is not None
    assert report.first_break.seq == 2


def test_empty_log_verifies(db: None) -> None:
    assert verify_chain().intact


def test_events_cannot_be_changed_or_deleted_through_the_orm(chain: list[Event]) -> None:
    event = Event.objects.get(seq=1)
    event.tag = "test:thing:forged"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(seq=1).update(tag="x:y:z")
    with pytest.raises(AppendOnlyError):
        Event.objects.all().delete()
    assert verify_chain().intact


def test_tag_must_read_app_subject_action(db: None) -> None:
    with pytest.raises(ValueError, match="app:subject:action"):
        record_event(tag="just-a-word")
