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


def _rechain_without_the_key(new_data: str) -> None:
    """What someone with database access but not the audit key can do: edit an event
    and recompute plain SHA-256 links for it and everything after."""
    import hashlib

    _raw("UPDATE audit_event SET data = %s WHERE seq = 2", new_data)
    prev = Event.objects.get(seq=1).hash
    for event in Event.objects.filter(seq__gte=2).order_by("seq"):
        forged = hashlib.sha256(f"{prev}{event.seq}{event.data}".encode()).hexdigest()
        _raw(
            "UPDATE audit_event SET prev_hash = %s, hash = %s WHERE seq = %s",
            prev,
            forged,
            event.seq,
        )
        prev = forged
    _raw("UPDATE audit_chainhead SET hash = %s WHERE id = 1", prev)


def test_rechaining_without_the_audit_key_is_caught(chain: list[Event]) -> None:
    _rechain_without_the_key(json.dumps({"n": 42, "note": "forged"}))
    report = verify_chain()
    assert report.first_break is not None
    assert report.first_break.seq == 2


def test_seals_depend_on_the_audit_key(chain: list[Event], settings: Any) -> None:
    settings.ACCORD_AUDIT_KEY = "another key"
    assert not verify_chain().intact


def test_truncation_back_past_a_kept_head_is_caught(chain: list[Event]) -> None:
    head = CliRunner().invoke(main, ["audit", "head"]).output.strip()
    assert head.startswith("5:")
    # Remove the two newest events and point the head at the third: consistent in itself.
    _raw("DELETE FROM audit_event WHERE seq > 3")
    _raw("UPDATE audit_chainhead SET seq = 3, hash = %s WHERE id = 1", chain[2].hash)
    assert CliRunner().invoke(main, ["audit", "verify"]).exit_code == 0
    result = CliRunner().invoke(main, ["audit", "verify", "--anchor", head])
    assert result.exit_code == 1
    assert "truncated" in result.output


def test_a_kept_head_that_no_longer_matches_is_caught(chain: list[Event]) -> None:
    anchor = f"3:{'f' * 64}"
    result = CliRunner().invoke(main, ["audit", "verify", "--anchor", anchor])
    assert result.exit_code == 1
    assert "event #3" in result.output


def test_a_malformed_anchor_is_a_usage_error(chain: list[Event]) -> None:
    result = CliRunner().invoke(main, ["audit", "verify", "--anchor", "three"])
    assert result.exit_code == 2
    assert "SEQ:SEAL" in result.output


def test_events_appended_during_verification_are_not_a_break(chain: list[Event]) -> None:
    from accord.audit import selectors

    real_head = selectors.chain_head

    def head_then_append() -> tuple[int, str]:
        head = real_head()
        record_event(tag="test:thing:create", data={"n": 99})
        return head

    selectors.chain_head = head_then_append  # type: ignore[assignment]
    try:
        report = verify_chain()
    finally:
        selectors.chain_head = real_head  # type: ignore[assignment]
    assert report.intact
    assert report.events_checked == 5
