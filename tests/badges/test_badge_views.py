"""Badges and their verification pages: who has one, what they show, how they are served."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accord.accounts.models import Organisation
from accord.catalogue.models import CatalogueVersion, Practice
from accord.commitments.models import (
    Attestation,
    Commitment,
    EvidenceDocument,
    PublicationPreference,
    Status,
)
from accord.evidence.models import Domain

SVG = "{http://www.w3.org/2000/svg}"
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
BADGE = "/adoption/badges/alpha/cvd-baseline.svg"
PAGE = "/adoption/badges/alpha/cvd-baseline/"
CVD_BASELINE = 8


def commit(organisation: Organisation, slug: str, status: str, **fields: Any) -> Commitment:
    """A commitment standing at `status` (rows made directly: the status rules are not
    what these tests are about)."""
    return Commitment.objects.create(
        organisation=organisation,
        practice=Practice.objects.get(slug=slug),
        target_date=date(2026, 12, 31),
        committed_at=T0,
        status=status,
        status_since=T0,
        **fields,
    )


def publish(organisation: Organisation, *, badges: bool = True, profile: bool = False) -> None:
    PublicationPreference.objects.update_or_create(
        organisation=organisation, defaults={"badges": badges, "public_profile": profile}
    )


@pytest.fixture
def alpha_cvd(catalogue: CatalogueVersion, org_a: Organisation) -> dict[str, Commitment]:
    """Alpha on CVD baseline: two verified, one implemented, one lapsed, one committed,
    one withdrawn (verified before it was withdrawn); two practices not committed."""
    rows = {
        "cvd.security-txt": Status.VERIFIED,
        "secure-by-default.https-hsts": Status.VERIFIED,
        "cvd.safe-harbour": Status.IMPLEMENTED,
        "cvd.security-txt-fresh": Status.LAPSED,
        "cvd.vulnerability-handling": Status.COMMITTED,
    }
    made = {slug: commit(org_a, slug, status) for slug, status in rows.items()}
    commit(org_a, "cvd.advisory-content", Status.VERIFIED, withdrawn_at=T0)
    return made


def _svg(response: Any) -> ET.Element:
    return ET.fromstring(response.content)  # noqa: S314 (our own output, parsed to check it)


@pytest.mark.django_db
class TestBadge:
    def test_an_opted_in_organisation_has_a_badge_of_its_verified_share(
        self, client: Client, org_a: Organisation, alpha_cvd: dict[str, Commitment]
    ) -> None:
        publish(org_a)
        response = client.get(BADGE)
        assert response.status_code == 200
        root = _svg(response)
        assert "25% verified" in [t.text for t in root.iter(f"{SVG}text")]
        title = root.findtext(f"{SVG}title")
        assert title == f"Alpha Systems: CVD baseline, 2 of {CVD_BASELINE} practices verified (25%)"
        assert root.get("aria-label") == title

    def test_it_is_served_as_svg_with_a_strict_policy_and_an_hour_of_caching(
        self, client: Client, org_a: Organisation, alpha_cvd: dict[str, Commitment]
    ) -> None:
        publish(org_a)
        response = client.get(BADGE)
        assert response["Content-Type"].startswith("image/svg+xml")
        assert (
            response["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
        )
        cache = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"public", "max-age=3600"} <= cache
        assert response["X-Content-Type-Options"] == "nosniff"
        assert reverse("badges:badge", args=["alpha", "cvd-baseline"]) == BADGE

    def test_the_url_answers_head_but_not_post(
        self, client: Client, org_a: Organisation, alpha_cvd: dict[str, Commitment]
    ) -> None:
        publish(org_a)
        assert client.head(BADGE).status_code == 200
        assert client.post(BADGE).status_code == 405

    @pytest.mark.parametrize(
        "preference",
        [None, {"badges": False, "profile": True}, {"badges": False, "profile": False}],
        ids=["never-chose", "profile-only", "nothing"],
    )
    def test_no_badge_without_opting_in_answered_like_an_unknown_organisation(
        self,
        client: Client,
        org_a: Organisation,
        alpha_cvd: dict[str, Commitment],
        preference: dict[str, bool] | None,
    ) -> None:
        if preference is not None:
            publish(org_a, **preference)
        for url in (BADGE, PAGE):
            refused, unknown = client.get(url), client.get(url.replace("alpha", "nobody"))
            assert refused.status_code == unknown.status_code == 404
            assert b"Alpha" not in refused.content

    def test_an_unknown_profile_has_no_badge(
        self, client: Client, org_a: Organisation, alpha_cvd: dict[str, Commitment]
    ) -> None:
        publish(org_a)
        assert client.get("/adoption/badges/alpha/no-such-profile.svg").status_code == 404
        assert client.get("/adoption/badges/alpha/no-such-profile/").status_code == 404

    def test_a_hostile_organisation_name_stays_text(
        self, client: Client, org_a: Organisation, alpha_cvd: dict[str, Commitment]
    ) -> None:
        org_a.name = 'Alpha "<script>alert(1)</script>" & Co'
        org_a.save()
        publish(org_a)
        response = client.get(BADGE)
        assert b"<script>" not in response.content
        assert _svg(response).findtext(f"{SVG}title", "").startswith(org_a.name)


@pytest.mark.django_db
class TestVerificationPage:
    def test_it_lists_every_practice_of_the_profile_with_the_status(
        self, client: Client, org_a: Organisation, alpha_cvd: dict[str, Commitment]
    ) -> None:
        publish(org_a)
        response = client.get(PAGE)
        assert response.status_code == 200
        standing = response.context["standing"]
        statuses = {row.practice.slug: row.status_label for row in standing.practices}
        assert len(statuses) == CVD_BASELINE
        assert statuses["cvd.security-txt"] == "Verified"
        assert statuses["cvd.safe-harbour"] == "Implemented"
        assert statuses["cvd.security-txt-fresh"] == "Lapsed"
        assert statuses["cvd.vulnerability-handling"] == "Committed"
        # Withdrawn commitments do not count.
        assert statuses["cvd.advisory-content"] == "Not committed"
        page = response.content.decode()
        assert "2 of 8 practices of the" in page
        assert "Not committed" in page
        assert "Figures computed <time datetime=" in page

    def test_it_shows_the_badge_and_the_code_to_embed_it(
        self, client: Client, org_a: Organisation, alpha_cvd: dict[str, Commitment]
    ) -> None:
        publish(org_a)
        page = client.get(PAGE).content.decode()
        badge_url = f"http://testserver{BADGE}"
        assert f'<img src="{badge_url}" alt="Alpha Systems: CVD baseline"' in page
        markdown = f"[![Alpha Systems: CVD baseline]({badge_url})](http://testserver{PAGE})"
        assert markdown in page
        # The HTML snippet is shown as text, escaped once more for the page.
        assert f"&lt;a href=&quot;http://testserver{PAGE}&quot;&gt;" in page

    def test_without_a_published_profile_no_evidence_is_linked(
        self,
        client: Client,
        org_a: Organisation,
        alpha_cvd: dict[str, Commitment],
    ) -> None:
        Attestation.objects.create(
            commitment=alpha_cvd["cvd.safe-harbour"], text="Our safe harbour", is_public=True
        )
        publish(org_a, badges=True, profile=False)
        response = client.get(PAGE)
        assert all(not row.evidence for row in response.context["standing"].practices)
        assert b"Our safe harbour" not in response.content

    def test_public_evidence_is_linked_when_the_profile_is_published(
        self,
        client: Client,
        org_a: Organisation,
        catalogue: CatalogueVersion,
        observe: Any,
    ) -> None:
        domain = Domain.objects.create(organisation=org_a, name="alpha.example", control="verified")
        observe(domain, "security-txt", "pass", T0)
        made = {
            slug: commit(org_a, slug, status)
            for slug, status in [
                ("cvd.security-txt", Status.VERIFIED),
                ("cvd.safe-harbour", Status.IMPLEMENTED),
                ("cvd.vulnerability-handling", Status.VERIFIED),
            ]
        }
        Attestation.objects.create(
            commitment=made["cvd.safe-harbour"], text="Public words", is_public=True
        )
        Attestation.objects.create(
            commitment=made["cvd.safe-harbour"], text="Private words", is_public=False
        )
        document = _document(made["cvd.vulnerability-handling"], is_public=True)
        _document(made["cvd.vulnerability-handling"], is_public=False, filename="secret.pdf")
        publish(org_a, badges=True, profile=True)
        response = client.get(PAGE)
        page = response.content.decode()
        assert "Public words" in page
        assert "Private words" not in page
        assert f'href="{reverse("commitments:document", args=[document.pk])}"' in page
        assert "secret.pdf" not in page
        assert 'href="https://alpha.example/"' in page
        assert client.get(reverse("commitments:document", args=[document.pk])).status_code == 200


def _document(commitment: Commitment, *, is_public: bool, filename: str = "policy.txt") -> Any:
    from django.core.files.base import ContentFile

    document = EvidenceDocument(
        commitment=commitment,
        filename=filename,
        content_type="text/plain",
        size=5,
        sha256="0" * 64,
        review=EvidenceDocument.Review.ACCEPTED,
        reviewed_at=T0,
        is_public=is_public,
    )
    document.file.save("doc.txt", ContentFile(b"hello"), save=False)
    document.save()
    return document


@pytest.mark.django_db
class TestEmbedsTag:
    def render(self, organisation: Organisation, rf: Any) -> str:
        from django.template import Context, Template

        template = Template("{% load badges %}{% badge_embeds organisation %}")
        return template.render(Context({"request": rf.get("/"), "organisation": organisation}))

    def test_it_lists_a_badge_per_profile_committed_to(
        self, org_a: Organisation, alpha_cvd: dict[str, Commitment], rf: Any
    ) -> None:
        commit(org_a, "no-offence.no-backdoors", Status.COMMITTED)
        publish(org_a)
        html = self.render(org_a, rf)
        assert html.count('<div class="card">') == 2  # CVD baseline; secure by default (HSTS)
        assert f"http://testserver{BADGE}" in html
        assert f"[![Alpha Systems: CVD baseline](http://testserver{BADGE})]" in html

    def test_no_code_while_badges_are_off_only_how_to_turn_them_on(
        self, org_a: Organisation, alpha_cvd: dict[str, Commitment], rf: Any
    ) -> None:
        for _ in range(2):
            html = self.render(org_a, rf)
            assert "<textarea" not in html
            assert "/adoption/badges/" not in html
            assert "Turn on “Serve public badges”" in html
            publish(org_a, badges=False, profile=True)

    def test_an_organisation_serving_badges_without_commitments_is_told_why_none(
        self, org_a: Organisation, rf: Any
    ) -> None:
        publish(org_a)
        html = self.render(org_a, rf)
        assert "<textarea" not in html
        assert "has no badge yet" in html
