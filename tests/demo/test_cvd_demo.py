"""`accord demo`'s disclosure world: built through the services, once, and its case's
pages open for the lead, a vendor and the observer the demo names."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accord import demo
from accord.accounts.models import User
from accord.audit.models import Event
from accord.cvd.models import (
    Advisory,
    Case,
    CaseEvent,
    Delivery,
    EmbargoProposal,
    Participant,
    Post,
    Report,
    Statement,
    Thread,
    VendorProduct,
)
from accord.demo import cvd as cvd_demo
from accord.notifications.models import Message

CASE_PAGES = ("case", "embargo", "statements", "discussion", "timeline", "deliveries")


@pytest.fixture
def people(db: Any) -> None:
    demo._seed_people()


def counts() -> dict[str, int]:
    models: list[type[Any]] = [
        Case,
        Participant,
        Report,
        Statement,
        Post,
        Thread,
        CaseEvent,
        Delivery,
        VendorProduct,
        EmbargoProposal,
        Event,
        Message,
    ]
    return {model.__name__: model._default_manager.count() for model in models}


@pytest.mark.django_db
def test_the_disclosure_world_is_built_once_through_the_services(people: None) -> None:
    outcome = cvd_demo.seed_cvd(ensure_user=demo._ensure_user)
    assert outcome.created
    assert [email for email, _ in outcome.accounts] == [cvd_demo.REPORTER_EMAIL]
    case = Case.objects.get(pk=outcome.case.pk)
    assert case.reference.startswith("ACC-")
    assert case.coordinator is not None
    assert case.coordinator.slug == cvd_demo.COORDINATOR
    roles = Counter(case.participants.values_list("role", flat=True))
    assert roles == {"coordinator": 1, "vendor": 4, "reporter": 1, "observer": 1}

    queued = Report.objects.order_by("reference")
    assert [(r.coordinator_id is None, r.state) for r in queued] == [
        (True, "received"),  # anonymous, in the instance's queue
        (False, "coordinated"),  # triaged by Kestrel, now the case
    ]
    triaged = queued.get(coordinator__isnull=False)
    assert triaged.triage is not None
    assert triaged.triage.outcome_name == "Coordinate"
    assert queued.get(coordinator__isnull=True).reporter is None

    v1, v2 = case.vulnerabilities.order_by("number")
    assert (v1.cvss_version, v2.cvss_version) == ("4.0", "3.1")
    assert v1.cwe_ids
    assert v2.cwe_ids
    labels = {p.cpe or p.purl: p.versions for v in (v1, v2) for p in v.products.all()}
    assert any(label.startswith("cpe:2.3:") for label in labels)
    assert any(label.startswith("pkg:") for label in labels)
    assert all(versions.startswith("vers:") for versions in labels.values())

    stated = Statement.objects.filter(participant__case=case)
    assert stated.filter(disputed=True).count() == 1
    silent = case.participants.filter(role="vendor").exclude(statements__isnull=False)
    assert [p.organisation.slug for p in silent] == ["aurora-cloud"]

    proposal = case.embargo_proposals.get()
    answers = Counter(proposal.responses.values_list("answer", flat=True))
    assert answers == {"accept": 3, "reject": 1}  # the lead's own, two vendors', Ember's
    assert case.embargo_state == "proposed"

    threads = case.threads.all()
    assert [t.private_with is not None for t in threads.order_by("pk")] == [False, True]
    assert Post.objects.filter(thread__case=case).count() == 6

    # Notified: the one vendor with a key by encrypted mail, in the outbox; the one with
    # no contact known has its delivery say so.
    deliveries = {d.participant.organisation.slug: d for d in Delivery.objects.all()}
    assert set(deliveries) == set(cvd_demo.VENDORS)
    assert deliveries["granite-software"].fingerprint
    assert deliveries["granite-software"].message is not None
    assert "BEGIN PGP MESSAGE" in deliveries["granite-software"].message.body
    assert deliveries["ember-robotics"].source == Delivery.Source.NONE
    assert deliveries["iris-devices"].message is not None
    assert case.reference in deliveries["iris-devices"].message.body
    assert CaseEvent.objects.filter(case=case, tag="cvd:statement:dispute").exists()

    before = counts()
    again = cvd_demo.seed_cvd(ensure_user=demo._ensure_user)
    assert not again.created
    assert again.case == case
    assert again.accounts == []
    assert counts() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    "email", [cvd_demo.LEAD_EMAIL, cvd_demo.VENDOR_EMAIL, cvd_demo.OBSERVER_EMAIL]
)
def test_the_case_pages_open_for_the_accounts_the_demo_names(people: None, email: str) -> None:
    case = cvd_demo.seed_cvd(ensure_user=demo._ensure_user).case
    client = Client()
    client.force_login(User.objects.get(email=email))
    pages = CASE_PAGES if email != cvd_demo.OBSERVER_EMAIL else ("case", "discussion")
    for name in pages:
        response = client.get(reverse(f"cvd:{name}", args=[case.reference]))
        if email == cvd_demo.VENDOR_EMAIL and name == "deliveries":
            assert response.status_code in (403, 404)
            continue
        assert response.status_code == 200, (email, name)
        assert case.title in response.content.decode()


@pytest.mark.django_db
def test_an_outsider_does_not_see_the_demo_case(people: None) -> None:
    case = cvd_demo.seed_cvd(ensure_user=demo._ensure_user).case
    client = Client()
    client.force_login(User.objects.get(email="admin@fjord.example"))
    response = client.get(reverse("cvd:case", args=[case.reference]))
    assert response.status_code == 404


@pytest.mark.django_db
def test_seed_demo_prints_who_signs_in_to_see_the_case(
    people: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(demo, "_credentials_file", lambda: tmp_path / "credentials.txt")
    lines = list(demo._disclosure())
    text = "\n".join(lines)
    assert "Demo disclosure world built" in text
    for email in (cvd_demo.LEAD_EMAIL, cvd_demo.VENDOR_EMAIL, cvd_demo.OBSERVER_EMAIL):
        assert f"Sign in as {email}" in text
    assert cvd_demo.REPORTER_EMAIL in (tmp_path / "credentials.txt").read_text()
    again = "\n".join(demo._disclosure())
    assert "is in place already" in again


@pytest.mark.django_db
def test_the_demo_has_one_advisory_out_in_public(people: None) -> None:
    cvd_demo.seed_cvd(ensure_user=demo._ensure_user)
    advisory = Advisory.objects.get(case__title=cvd_demo.DISCLOSED_TITLE)
    assert advisory.tlp == "clear"
    assert {"csaf", "csaf-vex", "openvex"} <= set(advisory.documents)
    anyone = Client()
    listed = anyone.get(reverse("cvd:advisories"))
    assert advisory.tracking_id in listed.content.decode()
    assert anyone.get("/.well-known/csaf/white/index.txt").content.decode().count(".json") == 2
