"""`accord demo`'s adoption history: fictional, consistent with the status rules, the same
every time, written once."""

from __future__ import annotations

import itertools
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Count

from accord import demo
from accord.accounts.models import Organisation
from accord.audit.models import Event
from accord.catalogue.models import CatalogueVersion
from accord.commitments import services
from accord.commitments.models import (
    Commitment,
    EvidenceDocument,
    PublicationPreference,
    Status,
    StatusChange,
)
from accord.commitments.status import GRACE
from accord.demo import adoption as adoption_demo
from accord.evidence.models import CurrentVerdict, Observation, VerdictChange
from accord.figures.models import DailySnapshot

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
SMALL = 40


def seed(total: int = SMALL) -> dict[str, int]:
    return adoption_demo.seed_adoption(now=NOW, total=total)


def row_counts() -> dict[str, int]:
    models: list[type[Any]] = [
        Organisation,
        Commitment,
        StatusChange,
        Observation,
        CurrentVerdict,
        VerdictChange,
        EvidenceDocument,
        PublicationPreference,
        Event,
    ]
    return {model.__name__: model._default_manager.count() for model in models}


def fingerprint() -> list[tuple[Any, ...]]:
    changes = StatusChange.objects.values_list(
        "commitment__organisation__slug",
        "commitment__practice__slug",
        "from_status",
        "to_status",
        "changed_at",
        "cause",
    )
    return sorted(changes)


@pytest.fixture
def seeded(catalogue: CatalogueVersion) -> dict[str, int]:
    return seed()


def test_generated_organisations_are_fictional_varied_and_the_same_every_time() -> None:
    made = adoption_demo.generated_organisations(188, taken={"Aurora Cloud (demo)"})
    assert made == adoption_demo.generated_organisations(188, taken={"Aurora Cloud (demo)"})
    assert len({o.name for o in made}) == len({o.slug for o in made}) == 188
    assert all(o.name.endswith(" (demo)") and o.slug.endswith("-demo") for o in made)
    assert len({o.sector for o in made}) >= 10
    assert len({o.country for o in made}) >= 20
    assert {o.size_band for o in made} == {"micro", "small", "medium", "large", "enterprise"}


@pytest.mark.django_db
class TestSeed:
    def test_demo_organisations_are_labelled_as_such(self, seeded: dict[str, int]) -> None:
        organisations = Organisation.objects.all()
        assert organisations.count() == SMALL - len(demo.DEMO_ORGANISATIONS)
        assert all(o.is_demo and o.name.endswith(" (demo)") for o in organisations)
        assert all(o.domains.get().name == f"{o.slug}.example" for o in organisations)
        assert seeded["organisations"] == organisations.count()

    def test_every_commitment_agrees_with_its_last_status_change(
        self, seeded: dict[str, int]
    ) -> None:
        for commitment in Commitment.objects.prefetch_related("status_changes"):
            changes = list(commitment.status_changes.all())
            assert changes[0].from_status == ""
            assert changes[0].to_status == Status.COMMITTED
            assert changes[0].changed_at == commitment.committed_at
            for before, after in itertools.pairwise(changes):
                assert after.from_status == before.to_status != after.to_status
                assert after.changed_at >= before.changed_at
            assert commitment.status == changes[-1].to_status
            assert commitment.status_since == changes[-1].changed_at
            verified = [c.changed_at for c in changes if c.to_status == Status.VERIFIED]
            assert commitment.first_verified_at == (verified[0] if verified else None)
            assert changes[-1].changed_at <= (commitment.withdrawn_at or NOW)

    def test_the_services_derive_the_same_statuses(self, seeded: dict[str, int]) -> None:
        before = fingerprint()
        assert services.refresh_all_commitments(now=NOW) == 0
        assert fingerprint() == before

    def test_the_history_has_lapses_recoveries_and_overdue_commitments(
        self, seeded: dict[str, int]
    ) -> None:
        moves = Counter(StatusChange.objects.values_list("from_status", "to_status"))
        assert moves[(Status.VERIFIED, Status.LAPSED)] > 0
        assert moves[(Status.LAPSED, Status.VERIFIED)] > 0
        assert moves[(Status.COMMITTED, Status.IMPLEMENTED)] > 0
        assert moves[(Status.IMPLEMENTED, Status.VERIFIED)] > 0
        assert not [move for move in moves if move[1] == Status.LAPSED and move[0] != "verified"]
        active = Commitment.objects.active()
        assert any(c.is_overdue(today=NOW.date()) for c in active)
        statuses = Counter(active.values_list("status", flat=True))
        assert set(statuses) == set(Status.values)

    def test_automated_practices_lapse_after_failing_longer_than_the_grace_period(
        self, seeded: dict[str, int]
    ) -> None:
        lapses = StatusChange.objects.filter(
            to_status=Status.LAPSED, commitment__practice__verification="automated"
        ).select_related("observation", "commitment__practice")
        assert lapses
        for lapse in lapses:
            assert lapse.observation is not None
            assert lapse.observation.status == "fail"
            assert lapse.observation.check_id == lapse.commitment.practice.check_id
            history = Observation.objects.filter(
                organisation=lapse.commitment.organisation_id,
                check_id=lapse.observation.check_id,
                observed_at__lte=lapse.changed_at,
            ).order_by("observed_at")
            last_pass = history.filter(status="pass").last()
            assert last_pass is not None, "a lapse comes only after the evidence passed"
            first_failure = history.filter(observed_at__gt=last_pass.observed_at).first()
            assert first_failure is not None
            assert lapse.changed_at - first_failure.observed_at > GRACE

    def test_evidence_is_stored_as_the_evidence_engine_would(self, seeded: dict[str, int]) -> None:
        for verdict in CurrentVerdict.objects.select_related("observation"):
            latest = Observation.objects.filter(
                domain=verdict.domain_id, check_id=verdict.check_id
            ).first()  # newest first
            assert latest == verdict.observation
            assert verdict.status == latest.status
            assert verdict.since <= latest.observed_at < NOW
        flips = VerdictChange.objects.select_related("observation", "previous_observation")
        assert all(f.from_status != f.to_status for f in flips)
        for flip in flips:
            assert flip.previous_observation is not None
            assert flip.previous_observation.observed_at < flip.observation.observed_at
        failing = Observation.objects.exclude(status="pass").first()
        assert failing is not None
        assert failing.codes
        assert failing.result["errors"]

    def test_documents_point_at_a_stored_file(
        self, seeded: dict[str, int], media_root: Path
    ) -> None:
        documents = EvidenceDocument.objects.all()
        assert documents
        assert {d.file.name for d in documents} == {adoption_demo.DEMO_DOCUMENT}
        assert (media_root / adoption_demo.DEMO_DOCUMENT).read_bytes() == (
            adoption_demo.DEMO_DOCUMENT_TEXT
        )
        reviews = Counter(documents.values_list("review", flat=True))
        assert reviews["accepted"]
        assert reviews["rejected"]

    def test_one_audit_event_records_the_counts(self, seeded: dict[str, int]) -> None:
        events = Event.objects.filter(tag="demo:adoption:seed")
        assert events.count() == 1
        assert events.get().data["commitments"] == Commitment.objects.count()
        assert not Event.objects.filter(tag="commitments:commitment:status").exists()

    def test_a_second_run_changes_nothing(self, seeded: dict[str, int]) -> None:
        before = row_counts()
        counts = seed()
        assert not any(counts.values())
        assert row_counts() == before

    def test_the_same_seed_and_moment_give_the_same_history(
        self, seeded: dict[str, int], media_root: Path
    ) -> None:
        first = fingerprint()
        Organisation.objects.filter(is_demo=True).delete()
        seed()
        assert fingerprint() == first


@pytest.mark.django_db
def test_two_hundred_organisations_in_seconds(catalogue: CatalogueVersion) -> None:
    started = time.monotonic()
    counts = seed(total=adoption_demo.ORGANISATIONS)
    elapsed = time.monotonic() - started
    assert elapsed < 30, f"seeding took {elapsed:.1f} s"
    organisations = Organisation.objects.filter(is_demo=True)
    assert organisations.count() == adoption_demo.ORGANISATIONS - len(demo.DEMO_ORGANISATIONS)
    assert counts["commitments"] > 10 * counts["organisations"]
    published = PublicationPreference.objects.filter(badges=True, public_profile=True).count()
    assert 0.1 < published / organisations.count() < 0.3
    # Commitments come in waves: the busiest month holds many times the quietest.
    months = Counter(
        c.strftime("%Y-%m") for c in Commitment.objects.values_list("committed_at", flat=True)
    )
    assert max(months.values()) > 5 * min(months.values())
    assert min(Commitment.objects.values_list("committed_at", flat=True)) > NOW - timedelta(
        days=731
    )
    per_org = Commitment.objects.values("organisation").annotate(n=Count("id"))
    assert len(per_org) == organisations.count()


@pytest.mark.django_db
class TestSeedDemo:
    def test_it_seeds_people_history_and_figures(
        self, catalogue: CatalogueVersion, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.setattr(demo, "_credentials_file", lambda: tmp_path / "credentials.txt")
        lines = list(demo.seed_demo(now=NOW, organisations=SMALL))
        rows = DailySnapshot.objects.count()
        assert DailySnapshot.objects.latest("date").date == date(2026, 11, 1)
        assert Organisation.objects.filter(is_demo=True).count() == SMALL
        aurora = Organisation.objects.get(slug="aurora-cloud")
        assert aurora.commitments.exists()
        assert aurora.commitments.exclude(committed_by=None).exists()
        assert any(line.startswith("Demo adoption history: 40 organisations") for line in lines)
        assert any(f"{rows} rows" in line for line in lines)
        again = list(demo.seed_demo(now=NOW, organisations=SMALL))
        assert "Demo adoption history is in place already. (" in " ".join(again)
        assert "Adoption figures are in place already." in again
        assert Event.objects.filter(tag="figures:snapshot:rebuild").count() == 1
