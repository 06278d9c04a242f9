"""A coordinated disclosure from the report to the published advisory, through HTTP only:
the real views and forms, each person signed in as themselves.

A reporter submits at /report/; the secretariat triages and opens a case, adds two
vendors, a vulnerability (CVSS 3.1, a CWE, a CVE id) and a product (a purl with a vers
range), and notifies the vendors, whose mail a real SMTP server on loopback receives.
An embargo is proposed and both vendors agree; each vendor states (one fixed in a
version, one not affected with a justification); the case goes TLP:CLEAR; the lead
first tries to publish too early (the missing items are listed), then publishes.
The public pages, the Atom feed, every download, and Accord's own `csaf-provider`
check run against this instance's directory all agree; then a second version and a
withdrawal.
"""

from __future__ import annotations

import csv
import io
import json
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from defusedxml import ElementTree
from django.test import Client
from django.utils import timezone

from accord.accounts.models import Membership, Organisation, User
from accord.cvd.advisories import formats
from accord.cvd.models import Advisory, Case, Delivery, EmbargoProposal, Report, Vulnerability
from accord.cvd.selectors import provider
from accord.engine.checks.base import AssessmentContext
from accord.engine.checks.csaf import CsafProviderCheck
from accord.engine.types import FetchError, FetchOutcome, Response
from accord.settings import email_url
from tests.notifications.smtp_server import running

pytestmark = pytest.mark.django_db

HOST = "accord.test"
BASE = f"https://{HOST}"
CVE_ID = "CVE-2026-31337"
V31 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
ATOM = "{http://www.w3.org/2005/Atom}"
IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
REPORT = {
    "title": "Unauthenticated firmware upload in the Acme router",
    "description": "POST /cgi-bin/upload accepts any image without a session.",
    "product": "Acme Router 2.x",
    "reporter_name": "Zoë Reporter",
    "reporter_email": "zoe@reporter.example",
}
COORDINATE = {"RP": "N", "SCON": "Y", "RC": "C", "SC": "M", "SE": "A", "U": "S", "PSI": "S"}


@pytest.fixture(autouse=True)
def instance(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path / "data"
    settings.ACCORD_BASE_URL = BASE
    settings.ALLOWED_HOSTS = ["testserver", HOST]
    settings.TASKS = IMMEDIATE
    # The BSI validator takes node seconds a run; tests/cvd/test_publication_formats.py
    # publishes with it. Here the documents are checked against their schemas.
    settings.ACCORD_CSAF_VALIDATOR = ""
    provider.forget()


class ClientFetcher:
    """The engine's fetcher, answered by this instance through Django's test client: the
    check sees the same bytes gunicorn would serve, without a socket."""

    def __init__(self) -> None:
        self.client = Client()
        self.urls: list[str] = []

    async def get(self, url: str, *, max_bytes: int = 1_048_576) -> FetchOutcome:
        self.urls.append(url)
        parts = urlsplit(url)
        if parts.scheme != "https" or parts.hostname != HOST:
            return FetchError(url, "dns_error", f"{parts.hostname} is not this instance")
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        answer = await sync_to_async(self.client.get, thread_sensitive=True)(
            path, secure=True, HTTP_HOST=HOST
        )
        body = answer.content
        headers = {name.lower(): value for name, value in answer.headers.items()}
        return Response(
            url=url,
            status=answer.status_code,
            headers=headers,
            body=body[:max_bytes],
            truncated=len(body) > max_bytes,
            peer_address="127.0.0.1",
        )


def csaf_provider_check() -> tuple[Any, ClientFetcher]:
    fetcher = ClientFetcher()
    check = CsafProviderCheck()

    async def run() -> Any:
        ctx = AssessmentContext(domain=HOST, fetcher=fetcher)
        return check.evaluate(await check.retrieve(ctx), now=datetime.now(UTC))

    return async_to_sync(run)(), fetcher


def signed_in(user: User, client_for: Any) -> Client:
    return client_for(user)


def ok(response: Any, status: int = 302) -> Any:
    assert response.status_code == status, (response.status_code, response.content[:2000])
    return response


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def member(make_user: Any, organisation: Organisation, email: str) -> User:
    user = make_user(email)
    Membership.objects.create(user=user, organisation=organisation, role="org_admin")
    return user


def test_a_report_becomes_a_published_advisory_through_the_pages(
    client_for: Any,
    make_user: Any,
    secretariat: User,
    settings: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    acme = Organisation.objects.create(name="Acme Routers", slug="acme")
    bolt = Organisation.objects.create(name="Bolt Software", slug="bolt")
    acme_admin = member(make_user, acme, "psirt@acme.example")
    bolt_admin = member(make_user, bolt, "security@bolt.example")
    # Each vendor registers its security contact on its own page.
    ok(signed_in(acme_admin, client_for).post("/cvd/contact/acme/", {"email": "cvd@acme.example"}))
    ok(signed_in(bolt_admin, client_for).post("/cvd/contact/bolt/", {"email": "cvd@bolt.example"}))

    # The reporter submits; the secretariat triages and opens a case.
    reporter = Client()
    ok(reporter.post("/report/", REPORT), 200)
    report = Report.objects.get()
    lead = signed_in(secretariat, client_for)
    ok(lead.post(f"/cvd/triage/{report.reference}/decide/", COORDINATE))
    ok(lead.post(f"/cvd/triage/{report.reference}/open-case/", {"title": "", "tlp": "amber"}))
    case = Case.objects.get()
    ref = case.reference
    cvd = f"/cvd/{ref}"

    # Two vendors, a vulnerability, a product.
    for org in (acme, bolt):
        ok(lead.post(f"{cvd}/participants/", {"organisation": org.pk, "role": "vendor"}))
    ok(
        lead.post(
            f"{cvd}/vulnerabilities/",
            {
                "title": "Firmware upload without authentication",
                "description": "Anyone on the network can replace the firmware.",
                "cwe_ids": "CWE-306",
                "cvss_vector": V31,
                "cve_id": CVE_ID,
            },
        )
    )
    vulnerability = Vulnerability.objects.get(case=case)
    assert (vulnerability.number, str(vulnerability.cvss_score)) == (1, "9.8")
    assert vulnerability.cve_id == CVE_ID
    ok(
        lead.post(
            f"{cvd}/vulnerabilities/1/products/",
            {"purl": "pkg:generic/acme/router-firmware", "versions": "vers:generic/>=2.0.0|<2.4.1"},
        )
    )
    product = vulnerability.products.get()

    # The vendors are told; the mail reaches a real SMTP server.
    with running(tmp_path) as server:
        settings.ACCORD_EMAIL_ENABLED = True
        settings.MAILERS = email_url.mailers(
            server.url(query="tls=none"), timeout=20, ca_bundle=None
        )
        settings.DEFAULT_FROM_EMAIL = "Accord <accord@coalition.example>"
        with django_capture_on_commit_callbacks(execute=True):
            ok(lead.post(f"{cvd}/deliveries/notify/"))
        notices = {
            r.envelope_to[0]: r.message
            for r in server.received
            if r.message["Subject"].startswith(f"[{ref}]")
        }
    assert {"cvd@acme.example", "cvd@bolt.example"} <= set(notices), sorted(notices)
    assert "Firmware upload without authentication" in notices["cvd@acme.example"].get_content()
    deliveries = Delivery.objects.filter(participant__case=case, participant__role="vendor")
    assert sorted((d.address, d.source) for d in deliveries) == [
        ("cvd@acme.example", "registered"),
        ("cvd@bolt.example", "registered"),
    ]

    # An embargo: proposed by the lead, agreed by both vendors, adopted.
    ends = (timezone.now() + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    ok(lead.post(f"{cvd}/embargo/propose/", {"ends_at": ends}))
    proposal = EmbargoProposal.objects.get(case=case)
    for user, org in ((acme_admin, acme), (bolt_admin, bolt)):
        participant = case.participants.get(organisation=org)
        ok(
            signed_in(user, client_for).post(
                f"{cvd}/embargo/{proposal.pk}/answer/",
                {"answer": "accept", "comment": "Agreed.", "participant": participant.pk},
            )
        )
    ok(lead.post(f"{cvd}/embargo/{proposal.pk}/adopt/"))
    case.refresh_from_db()
    assert case.embargo_state == "active"

    # Too early: the Publication tab lists what is missing, and nothing is published.
    early = lead.post(f"{cvd}/publication/publish/", {"end_embargo": "on"})
    assert early.status_code in (409, 422), early.status_code
    assert "V1 has no statement from Acme Routers." in text(early)
    assert "V1 has no statement from Bolt Software." in text(early)
    assert not Advisory.objects.exists()

    # The vendors state.
    ok(
        signed_in(acme_admin, client_for).post(
            f"{cvd}/statements/set/",
            {
                "target": f"1:{product.pk}",
                "status": "fixed",
                "fixed_version": "2.4.1",
                "note": "Update to 2.4.1.",
            },
        )
    )
    ok(
        signed_in(bolt_admin, client_for).post(
            f"{cvd}/statements/set/",
            {"target": "1", "status": "not_affected", "justification": "component_not_present"},
        )
    )
    ok(lead.post(f"{cvd}/edit/", {"title": case.title, "summary": case.summary, "tlp": "clear"}))

    # Published; the embargo ends with it.
    tab = text(lead.get(f"{cvd}/publication/"))
    assert "publishing now ends it" in tab
    ok(lead.post(f"{cvd}/publication/publish/", {"summary": "", "end_embargo": "on"}))
    advisory = Advisory.objects.get(case=case)
    assert (advisory.version, advisory.state, advisory.tlp) == (1, "published", "clear")
    assert advisory.cve_ids == [CVE_ID]
    assert {"cve", "csaf", "csaf-vex", "openvex"} <= set(advisory.documents)
    case.refresh_from_db()
    assert case.embargo_state == "exited"

    # Public: the list, the page, the feed and every download, each valid.
    anyone = Client()
    assert ref in text(ok(anyone.get("/advisories/"), 200))
    page = text(ok(anyone.get(f"/advisories/{ref}/"), 200))
    assert CVE_ID in page
    assert "Firmware upload without authentication" in page
    feed = ElementTree.fromstring(ok(anyone.get("/advisories/feed.atom"), 200).content)
    assert any(ref in (e.findtext(f"{ATOM}title") or "") for e in feed.iter(f"{ATOM}entry"))
    downloaded = _downloads(anyone, ref, advisory)
    csaf = downloaded["csaf"]
    assert csaf["document"]["tracking"]["version"] == "1"
    assert csaf["document"]["distribution"]["tlp"]["label"] == "WHITE"
    cve = downloaded["cve"]["records"][CVE_ID]
    assert cve["cveMetadata"]["cveId"] == CVE_ID
    assert cve["cveMetadata"]["state"] == "PUBLISHED"

    # The provider directory passes Accord's own check, with the VEX file listed.
    result, fetcher = csaf_provider_check()
    assert f"{BASE}/.well-known/csaf/provider-metadata.json" in fetcher.urls
    assert result.status == "pass", json.dumps(result.details, indent=2, default=str)
    name = ref.lower()
    year = advisory.initial_release_at.year
    index = anyone.get("/.well-known/csaf/white/index.txt", secure=True, HTTP_HOST=HOST)
    listed = index.content.decode().splitlines()
    assert f"{year}/{name}.json" in listed
    assert f"{year}/{name}-vex.json" in listed
    assert result.details["advisory"] == f"{BASE}/.well-known/csaf/white/{listed[0]}"
    vex = anyone.get(f"/.well-known/csaf/white/{year}/{name}-vex.json", secure=True, HTTP_HOST=HOST)
    assert formats.all_formats()["csaf-vex"].validate(json.loads(vex.content)) == []

    # Version 2, saying what changed.
    ok(lead.post(f"{cvd}/publication/publish/", {"summary": "Bolt's statement clarified."}))
    advisory.refresh_from_db()
    assert advisory.version == 2
    csaf = _downloads(anyone, ref, advisory)["csaf"]
    tracking = csaf["document"]["tracking"]
    assert tracking["version"] == "2"
    assert [r["number"] for r in tracking["revision_history"]] == ["1", "2"]
    assert tracking["revision_history"][1]["summary"] == "Bolt's statement clarified."
    changes_before = _changes(anyone)
    time.sleep(1.1)  # changes.csv gives the second: let the withdrawal's be a later one

    # Withdrawn: the CVE record is rejected, the CSAF document still valid, changes.csv
    # has the new date.
    ok(lead.post(f"{cvd}/publication/withdraw/", {"reason": "A duplicate of an older case."}))
    advisory.refresh_from_db()
    assert advisory.state == "withdrawn"
    downloaded = _downloads(anyone, ref, advisory)
    assert downloaded["cve"]["records"][CVE_ID]["cveMetadata"]["state"] == "REJECTED"
    assert downloaded["csaf"]["document"]["tracking"]["version"] == str(advisory.version)
    changes_after = _changes(anyone)
    assert changes_after[f"{year}/{name}.json"] > changes_before[f"{year}/{name}.json"]
    provider.forget()
    result, _ = csaf_provider_check()
    assert result.status == "pass", json.dumps(result.details, indent=2, default=str)


def _downloads(client: Client, ref: str, advisory: Advisory) -> dict[str, Any]:
    """Every format of the current version, downloaded from the public page; each valid."""
    known = formats.all_formats()
    documents = {}
    for key in advisory.documents:
        response = ok(client.get(f"/advisories/{ref}/{key}.json"), 200)
        assert response["Content-Disposition"].startswith("attachment;")
        document = json.loads(response.content)
        assert known[key].validate(document) == [], key
        documents[key] = document
    return documents


def _changes(client: Client) -> dict[str, str]:
    provider.forget()
    body = client.get("/.well-known/csaf/white/changes.csv", secure=True, HTTP_HOST=HOST)
    assert body.status_code == 200
    return {row[0]: row[1] for row in csv.reader(io.StringIO(body.content.decode())) if row}
