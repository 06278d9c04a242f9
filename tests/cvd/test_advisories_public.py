"""The public advisories: the list (search, pages), the Atom feed, each advisory's page
and downloads. Only TLP:CLEAR ones, for everyone; any other is not found, even by the
case's own participants."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from defusedxml import ElementTree
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accord.cvd.models import Advisory, Case, Vulnerability
from accord.cvd.selectors import publication as selectors
from accord.cvd.services import cases, publication
from tests.cvd.advisory_world import make_ready

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def _clear(world: Any, case: Case, cve: str = "") -> Advisory:
    cases.edit_case(actor=world.secretariat, case=case, tlp="clear")
    if cve:
        Vulnerability.objects.filter(case=case).update(cve_id=cve)
    return publication.publish_advisory(actor=world.secretariat, case=case)


def _another(world: Any, title: str, tlp: str = "clear") -> Case:
    case = cases.open_case(actor=world.secretariat, title=title, tlp=tlp)
    for participant in (world.participant_a, world.participant_b):
        cases.add_participant(
            actor=world.secretariat, case=case, role="vendor", organisation=participant.organisation
        )
    Vulnerability.objects.create(case=case, number=1, title="Flaw")
    world_for_case = type(world)(**{**world.__dict__, "case": case})
    world_for_case.participant_a = case.participants.get(organisation=world.vendor_a)
    world_for_case.participant_b = case.participants.get(organisation=world.vendor_b)
    return make_ready(world_for_case, case)


def test_a_clear_advisory_is_listed_and_shown(cvd_world: Any, ready: Case) -> None:
    advisory = _clear(cvd_world, ready, cve="CVE-2026-12345")
    page = Client().get(reverse("cvd:advisories")).content.decode()
    assert advisory.title in page
    assert "CVE-2026-12345" in page
    shown = Client().get(reverse("cvd:advisory_page", args=[advisory.tracking_id]))
    assert shown.status_code == 200
    body = shown.content.decode()
    assert "TLP:CLEAR" in body
    assert "Acme Routers" in body
    assert "Bolt Software" in body
    assert "pkg:npm/acme/router@1.0" in body
    assert reverse("cvd:advisory_public_download", args=[advisory.tracking_id, "csaf"]) in body
    download = Client().get(
        reverse("cvd:advisory_public_download", args=[advisory.tracking_id, "csaf"])
    )
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    old = reverse("cvd:advisory_public_revision_download", args=[advisory.tracking_id, 1, "cve"])
    assert Client().get(old).status_code == 200


def test_a_non_clear_advisory_is_never_public(cvd_world: Any, ready: Case, client_for: Any) -> None:
    advisory = publication.publish_advisory(actor=cvd_world.secretariat, case=ready)
    assert advisory.tlp == "amber"
    for client in (
        Client(),
        client_for(cvd_world.vendor_a_admin),
        client_for(cvd_world.secretariat),
    ):
        assert client.get(reverse("cvd:advisory_page", args=[ready.reference])).status_code == 404
        listed = client.get(reverse("cvd:advisories")).content.decode()
        assert ready.reference not in listed
        download = reverse("cvd:advisory_public_download", args=[ready.reference, "csaf"])
        assert client.get(download).status_code == 404
    assert ready.reference.encode() not in Client().get(reverse("cvd:advisories_feed")).content


def test_search_by_text_cve_and_vendor(cvd_world: Any, ready: Case) -> None:
    _clear(cvd_world, ready, cve="CVE-2026-0042")
    other = _another(cvd_world, "Cross-site scripting in the portal")
    publication.publish_advisory(actor=cvd_world.secretariat, case=other)

    def found(q: str) -> set[str]:
        return {a.tracking_id for a in selectors.public_advisories(text=q)}

    assert found("portal") == {other.reference}
    assert found("cve-2026-0042") == {ready.reference}
    assert found("acme") == {ready.reference, other.reference}
    assert found("nothing like it") == set()
    page = Client().get(reverse("cvd:advisories"), {"q": "portal"}).content.decode()
    assert other.reference in page
    assert ready.reference not in page
    fragment = Client().get(reverse("cvd:advisories"), {"q": "portal"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in fragment.content
    assert other.reference.encode() in fragment.content


def test_the_list_is_newest_first_a_page_at_a_time(
    cvd_world: Any, ready: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _clear(cvd_world, ready)
    other = _another(cvd_world, "Second")
    second = publication.publish_advisory(actor=cvd_world.secretariat, case=other)
    Advisory.objects.filter(pk=first.pk).update(
        current_release_at=timezone.now() - timedelta(days=1)
    )
    assert [a.pk for a in selectors.public_advisories()] == [second.pk, first.pk]
    monkeypatch.setattr(selectors, "ADVISORIES_PER_PAGE", 1)
    page2 = Client().get(reverse("cvd:advisories"), {"page": "2"}).content.decode()
    assert first.tracking_id in page2
    assert second.tracking_id not in page2
    assert Client().get(reverse("cvd:advisories"), {"page": "x\x00"}).status_code in (200, 400)


def test_a_legacy_title_with_a_control_character_does_not_break_the_feed(
    cvd_world: Any, ready: Case
) -> None:
    advisory = _clear(cvd_world, ready)
    Advisory.objects.filter(pk=advisory.pk).update(title="Bad\x01 title", summary="S\x1fum")
    response = Client().get(reverse("cvd:advisories_feed"))
    assert response.status_code == 200
    (entry,) = ElementTree.fromstring(response.content).findall(f"{ATOM}entry")
    assert entry.find(f"{ATOM}title").text == f"{advisory.tracking_id}: Bad title"
    assert entry.find(f"{ATOM}summary").text == "Sum"


def test_the_atom_feed_is_valid(cvd_world: Any, ready: Case) -> None:
    advisory = _clear(cvd_world, ready)
    response = Client().get(reverse("cvd:advisories_feed"))
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    assert root.find(f"{ATOM}id").text
    assert root.find(f"{ATOM}updated").text
    assert root.find(f"{ATOM}title").text
    assert root.find(f"{ATOM}author/{ATOM}name").text  # a feed's entries need an author
    assert root.find(f"{ATOM}link[@rel='self']").get("href").endswith("/advisories/feed.atom")
    (entry,) = root.findall(f"{ATOM}entry")
    assert entry.find(f"{ATOM}id").text
    assert entry.find(f"{ATOM}updated").text
    link = entry.find(f"{ATOM}link").get("href")
    assert link.endswith(reverse("cvd:advisory_page", args=[advisory.tracking_id]))
    assert advisory.tracking_id in entry.find(f"{ATOM}title").text


def test_bad_input_is_refused_never_a_500(db: None) -> None:
    client = Client()
    for q in ("\x00", "x" * 10_000, "\udcff"):
        try:
            response = client.get(reverse("cvd:advisories"), {"q": q})
        except UnicodeEncodeError:
            response = client.get(reverse("cvd:advisories") + "?q=%ED%A0%80")
        assert response.status_code in (200, 400, 422), q
    assert client.get("/advisories/ACC-x%00/").status_code in (400, 404)
    assert client.get("/advisories/" + "A" * 300 + "/").status_code in (404, 422)


def test_a_version_published_at_amber_stays_in_the_case_once_lowered(
    cvd_world: Any, ready: Case
) -> None:
    """v1 at TLP:AMBER, the case lowered to TLP:CLEAR, v2: only v2 is public."""
    first = publication.publish_advisory(actor=cvd_world.secretariat, case=ready)
    assert first.revisions.get().tlp == "amber"
    cases.edit_case(actor=cvd_world.secretariat, case=ready, tlp="clear")
    publication.publish_advisory(actor=cvd_world.secretariat, case=ready, summary="Lowered")
    ref = ready.reference
    v1 = reverse("cvd:advisory_public_revision_download", args=[ref, 1, "csaf"])
    v2 = reverse("cvd:advisory_public_revision_download", args=[ref, 2, "csaf"])
    assert Client().get(v1).status_code == 404
    assert Client().get(v2).status_code == 200
    page = Client().get(reverse("cvd:advisory_page", args=[ref])).content.decode()
    assert v2 in page
    assert v1 not in page
    assert [r.number for r in selectors.public_revisions(first)] == [2]
    # The case's own download of v1 stays for those in it, not for anyone else.
    own = reverse("cvd:advisory_revision_download", args=[ref, 1, "csaf"])
    assert Client().get(own).status_code == 404
    inside = Client()
    inside.force_login(cvd_world.vendor_a_admin)
    assert inside.get(own).status_code == 200


def test_the_migration_gives_existing_versions_their_advisorys_tlp(
    cvd_world: Any, ready: Case
) -> None:
    from importlib import import_module

    from django.apps import apps

    from accord.cvd.models import AdvisoryRevision

    advisory = publication.publish_advisory(actor=cvd_world.secretariat, case=ready)
    AdvisoryRevision.objects.update(tlp="red")
    import_module("accord.cvd.migrations.0007_fixpub").back_fill(apps, None)
    assert advisory.revisions.get().tlp == "amber"
