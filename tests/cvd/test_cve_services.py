"""CVE Services: the lead reserves CVE ids and submits the advisory's records through
cvelib, here to a fake CVE Services on loopback that checks the credentials."""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner
from django.urls import reverse
from django.utils import timezone

from accord.audit.models import Event
from accord.cli import main
from accord.cvd import cve_services
from accord.cvd.advisories import cve
from accord.cvd.exceptions import (
    CveServicesNotConfigured,
    CveServicesRefused,
    NotAllowed,
    StateConflict,
)
from accord.cvd.models import Advisory, CaseEvent
from accord.cvd.services.cve import reserve_cve_id, submit_cve_records
from tests.cvd.test_advisory_cve import snapshot, vulnerability

pytestmark = pytest.mark.django_db

ORG, USER, KEY = "gamma", "coord@gamma.example", "s3cret-api-key-xyzzy"
CNA = "f0e7a9a1-1c2b-4d3e-8f4a-5b6c7d8e9f00"


@dataclasses.dataclass
class FakeCveServices:
    """What the fake server knows: the ids by state, the containers it was sent, and a
    message to refuse every write with."""

    ids: dict[str, str] = dataclasses.field(default_factory=dict)
    sent: dict[str, tuple[str, str, dict[str, Any]]] = dataclasses.field(default_factory=dict)
    refuse: str = ""
    reserved: int = 0


def handler_for(fake: FakeCveServices) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            given = (
                self.headers.get("CVE-API-ORG"),
                self.headers.get("CVE-API-USER"),
                self.headers.get("CVE-API-KEY"),
            )
            if given != (ORG, USER, KEY):
                self._answer(401, {"error": "UNAUTHORIZED", "message": "Unauthorized"})
                return False
            return True

        def _body(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length") or 0)
            found: dict[str, Any] = json.loads(self.rfile.read(length) or b"{}")
            return found

        def do_GET(self) -> None:
            if not self._authorised():
                return
            parts = urlsplit(self.path).path.strip("/").split("/")
            if parts[:2] == ["api", "cve-id"] and len(parts) == 3:
                state = fake.ids.get(parts[2])
                if state is None:
                    self._answer(
                        404, {"error": "CVEID_DNE", "message": "The CVE ID does not exist."}
                    )
                else:
                    self._answer(200, {"cve_id": parts[2], "state": state, "owning_cna": ORG})
                return
            self._answer(404, {"error": "NOT_FOUND", "message": "No such endpoint."})

        def _write(self, method: str) -> None:
            if not self._authorised():
                return
            split = urlsplit(self.path)
            parts = split.path.strip("/").split("/")
            if fake.refuse:
                self._answer(
                    400,
                    {
                        "error": "BAD_INPUT",
                        "message": fake.refuse,
                        "details": [{"msg": "affected is required"}],
                    },
                )
                return
            if parts == ["api", "cve-id"] and method == "POST":
                query = parse_qs(split.query)
                fake.reserved += 1
                cve_id = f"CVE-{query['cve_year'][0]}-{4000 + fake.reserved}"
                fake.ids[cve_id] = "RESERVED"
                self._answer(200, {"cve_ids": [{"cve_id": cve_id, "state": "RESERVED"}]})
                return
            if parts[:2] == ["api", "cve"] and len(parts) == 4:
                cve_id, kind = parts[2], parts[3]
                body = self._body()
                fake.sent[cve_id] = (method, kind, body)
                fake.ids[cve_id] = "REJECTED" if kind == "reject" else "PUBLISHED"
                self._answer(200, {"message": "done", "created": body})
                return
            self._answer(404, {"error": "NOT_FOUND", "message": "No such endpoint."})

        def do_POST(self) -> None:
            self._write("POST")

        def do_PUT(self) -> None:
            self._write("PUT")

    return Handler


@pytest.fixture
def fake_cve(settings: Any) -> Iterator[FakeCveServices]:
    fake = FakeCveServices()
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_for(fake))
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    settings.ACCORD_CVE_SERVICES_URL = f"http://127.0.0.1:{server.server_address[1]}/api"
    settings.ACCORD_CVE_SERVICES_ORG = ORG
    settings.ACCORD_CVE_SERVICES_USER = USER
    settings.ACCORD_CVE_SERVICES_API_KEY = KEY
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def advisory_for(world: Any, *, withdrawn: bool = False, cna: str = CNA) -> Advisory:
    publisher = dataclasses.replace(snapshot().publisher, cna_org_id=cna)
    second = vulnerability(number=2, cve_id="CVE-2026-0002", title="Second")
    built = snapshot(vulnerability(), second, publisher=publisher, withdrawn=withdrawn)
    now = timezone.now()
    return Advisory.objects.create(
        case=world.case,
        tracking_id=world.case.reference,
        title="Routeur",
        tlp="clear",
        state=Advisory.State.WITHDRAWN if withdrawn else Advisory.State.PUBLISHED,
        initial_release_at=now,
        current_release_at=now,
        documents={"cve": cve.build(built)},
        cve_ids=["CVE-2026-0001", "CVE-2026-0002"],
    )


def audit_text() -> str:
    events = [e.data for e in Event.objects.all()]
    summaries = [e.summary for e in CaseEvent.objects.all()]
    return json.dumps(events) + json.dumps(summaries)


def test_new_and_published_ids_are_published_and_updated(
    cvd_world: Any, fake_cve: FakeCveServices, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_cve.ids.update({"CVE-2026-0001": "RESERVED", "CVE-2026-0002": "PUBLISHED"})
    advisory = advisory_for(cvd_world)
    done = submit_cve_records(actor=cvd_world.secretariat, advisory=advisory)
    assert done == {"CVE-2026-0001": "published", "CVE-2026-0002": "updated"}
    method, kind, body = fake_cve.sent["CVE-2026-0001"]
    assert (method, kind) == ("POST", "cna")
    container = body["cnaContainer"]
    assert container["title"] == "Débordement de tas dans le routeur — 堆溢出"
    assert container["providerMetadata"]["orgId"] == CNA
    assert container["x_generator"] == {"engine": "Accord"}
    assert fake_cve.sent["CVE-2026-0002"][:2] == ("PUT", "cna")
    event = Event.objects.get(tag="cvd:advisory:cve_submitted")
    assert event.data["submitted"] == done
    entry = CaseEvent.objects.get(tag="cvd:advisory:cve_submitted")
    assert entry.audience == CaseEvent.Audience.COORDINATORS
    assert "CVE-2026-0001 published" in entry.summary
    assert KEY not in audit_text()
    assert caplog.records  # the HTTP client logged its requests, without the key
    assert KEY not in caplog.text


def test_a_withdrawn_advisory_rejects_its_ids(cvd_world: Any, fake_cve: FakeCveServices) -> None:
    fake_cve.ids.update({"CVE-2026-0001": "RESERVED", "CVE-2026-0002": "PUBLISHED"})
    advisory = advisory_for(cvd_world, withdrawn=True)
    done = submit_cve_records(actor=cvd_world.secretariat, advisory=advisory)
    assert done == {"CVE-2026-0001": "rejected", "CVE-2026-0002": "rejected"}
    assert fake_cve.sent["CVE-2026-0001"][:2] == ("POST", "reject")
    assert fake_cve.sent["CVE-2026-0002"][:2] == ("PUT", "reject")
    reasons = fake_cve.sent["CVE-2026-0001"][2]["cnaContainer"]["rejectedReasons"]
    assert reasons[0]["lang"] == "en"


def test_a_refusal_is_a_clear_error_and_recorded(cvd_world: Any, fake_cve: FakeCveServices) -> None:
    fake_cve.ids.update({"CVE-2026-0001": "RESERVED", "CVE-2026-0002": "RESERVED"})
    fake_cve.refuse = "Parameters were invalid"
    with pytest.raises(CveServicesRefused) as refused:
        submit_cve_records(actor=cvd_world.secretariat, advisory=advisory_for(cvd_world))
    message = str(refused.value)
    assert message == ("CVE Services refused (400): Parameters were invalid affected is required")
    assert refused.value.http_status == 502
    event = Event.objects.get(tag="cvd:advisory:cve_refused")
    assert event.data["submitted"] == {}
    assert "CVE-2026-0001" in event.data["refused"]
    assert KEY not in audit_text()
    assert KEY not in message


def test_wrong_credentials_are_refused_by_cve_services(
    cvd_world: Any, fake_cve: FakeCveServices, settings: Any
) -> None:
    settings.ACCORD_CVE_SERVICES_API_KEY = "wrong"
    with pytest.raises(CveServicesRefused, match=r"refused \(401\): Unauthorized"):
        submit_cve_records(actor=cvd_world.secretariat, advisory=advisory_for(cvd_world))


def test_an_unknown_id_is_refused(cvd_world: Any, fake_cve: FakeCveServices) -> None:
    with pytest.raises(CveServicesRefused, match="The CVE ID does not exist"):
        submit_cve_records(actor=cvd_world.secretariat, advisory=advisory_for(cvd_world))


def test_unreachable_cve_services_is_said_so(cvd_world: Any, settings: Any) -> None:
    settings.ACCORD_CVE_SERVICES_URL = "http://127.0.0.1:9/api/"
    settings.ACCORD_CVE_SERVICES_ORG = ORG
    settings.ACCORD_CVE_SERVICES_USER = USER
    settings.ACCORD_CVE_SERVICES_API_KEY = KEY
    with pytest.raises(CveServicesRefused, match="could not be reached") as refused:
        submit_cve_records(actor=cvd_world.secretariat, advisory=advisory_for(cvd_world))
    assert KEY not in str(refused.value)


def test_without_credentials_nothing_is_sent(cvd_world: Any, settings: Any) -> None:
    settings.ACCORD_CVE_SERVICES_ORG = ""
    settings.ACCORD_CVE_SERVICES_USER = USER
    settings.ACCORD_CVE_SERVICES_API_KEY = ""
    with pytest.raises(CveServicesNotConfigured) as missing:
        submit_cve_records(actor=cvd_world.secretariat, advisory=advisory_for(cvd_world))
    assert str(missing.value) == (
        "CVE Services is not configured: set ACCORD_CVE_SERVICES_ORG, "
        "ACCORD_CVE_SERVICES_API_KEY in the environment."
    )
    assert not Event.objects.filter(tag__startswith="cvd:advisory:cve").exists()


def test_records_built_without_the_cna_are_not_submitted(
    cvd_world: Any, fake_cve: FakeCveServices
) -> None:
    advisory = advisory_for(cvd_world, cna="")
    with pytest.raises(StateConflict, match="ACCORD_CVE_CNA_ORG_ID"):
        submit_cve_records(actor=cvd_world.secretariat, advisory=advisory)
    assert fake_cve.sent == {}


def test_an_advisory_without_cve_ids_has_nothing_to_submit(
    cvd_world: Any, fake_cve: FakeCveServices
) -> None:
    advisory = advisory_for(cvd_world)
    advisory.documents = {"cve": {"records": {}}}
    with pytest.raises(StateConflict, match="no CVE record"):
        submit_cve_records(actor=cvd_world.secretariat, advisory=advisory)


def test_only_the_lead_submits(cvd_world: Any, fake_cve: FakeCveServices) -> None:
    advisory = advisory_for(cvd_world)
    with pytest.raises(NotAllowed):
        submit_cve_records(actor=cvd_world.vendor_a_admin, advisory=advisory)
    assert fake_cve.sent == {}


def test_the_lead_reserves_an_id_for_a_vulnerability(
    cvd_world: Any, fake_cve: FakeCveServices
) -> None:
    reserved = reserve_cve_id(actor=cvd_world.secretariat, vulnerability=cvd_world.vulnerability)
    year = timezone.now().year
    assert reserved.cve_id == f"CVE-{year}-4001"
    cvd_world.vulnerability.refresh_from_db()
    assert cvd_world.vulnerability.cve_id == f"CVE-{year}-4001"
    assert fake_cve.ids[f"CVE-{year}-4001"] == "RESERVED"
    event = Event.objects.get(tag="cvd:vulnerability:cve_reserved")
    assert event.data["cve_id"] == f"CVE-{year}-4001"
    assert KEY not in audit_text()
    with pytest.raises(StateConflict, match="has a CVE id already"):
        reserve_cve_id(actor=cvd_world.secretariat, vulnerability=reserved)
    assert fake_cve.reserved == 1


def test_a_vendor_does_not_reserve(cvd_world: Any, fake_cve: FakeCveServices) -> None:
    with pytest.raises(NotAllowed):
        reserve_cve_id(actor=cvd_world.vendor_a_admin, vulnerability=cvd_world.vulnerability)
    assert fake_cve.reserved == 0


def test_a_refused_reservation_changes_nothing(cvd_world: Any, fake_cve: FakeCveServices) -> None:
    fake_cve.refuse = "Quota exceeded"
    with pytest.raises(CveServicesRefused, match="Quota exceeded"):
        reserve_cve_id(actor=cvd_world.secretariat, vulnerability=cvd_world.vulnerability)
    cvd_world.vulnerability.refresh_from_db()
    assert cvd_world.vulnerability.cve_id == ""


def test_the_in_memory_services_follow_the_id_states() -> None:
    services = cve_services.InMemoryCveServices(ids={"CVE-2026-0001": "RESERVED"})
    services.publish("CVE-2026-0001", {"title": "x"})
    assert services.state("CVE-2026-0001") == "PUBLISHED"
    with pytest.raises(CveServicesRefused):
        services.publish("CVE-2026-0001", {})
    services.update_rejected("CVE-2026-0001", {})
    assert services.state("CVE-2026-0001") == "REJECTED"
    assert services.reserve(2026) == "CVE-2026-1000"
    services.refusal = "down"
    with pytest.raises(CveServicesRefused, match="down"):
        services.reserve(2026)


def test_the_services_setting_names_what_connects(cvd_world: Any, settings: Any) -> None:
    settings.ACCORD_CVE_SERVICES = "tests.cvd.test_cve_services.memory"
    MEMORY.ids.clear()
    MEMORY.ids.update({"CVE-2026-0001": "PUBLISHED", "CVE-2026-0002": "RESERVED"})
    done = submit_cve_records(actor=cvd_world.secretariat, advisory=advisory_for(cvd_world))
    assert done == {"CVE-2026-0001": "updated", "CVE-2026-0002": "published"}
    assert MEMORY.containers["CVE-2026-0002"]["title"] == "Second"


MEMORY = cve_services.InMemoryCveServices()


def memory() -> cve_services.InMemoryCveServices:
    return MEMORY


def run(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def test_the_cli_submits_and_says_what_was_done(cvd_world: Any, fake_cve: FakeCveServices) -> None:
    fake_cve.ids.update({"CVE-2026-0001": "RESERVED", "CVE-2026-0002": "RESERVED"})
    reference = cvd_world.case.reference
    advisory_for(cvd_world)
    done = run("cvd", "submit-cve", reference, "--as", "sec@accord.example")
    assert done.exit_code == 0, done.output
    assert "CVE-2026-0001\tpublished" in done.output
    fake_cve.refuse = "Parameters were invalid"
    refused = run("cvd", "submit-cve", reference, "--as", "sec@accord.example")
    assert refused.exit_code == 1
    assert refused.output.strip().splitlines() == [
        "Error: CVE Services refused (400): Parameters were invalid affected is required"
    ]


def test_the_cli_refuses_in_one_line(cvd_world: Any, settings: Any) -> None:
    reference = cvd_world.case.reference
    none_yet = run("cvd", "submit-cve", reference, "--as", "sec@accord.example")
    assert none_yet.exit_code == 1
    assert none_yet.output.strip() == f"Error: {reference} has no published advisory."
    advisory_for(cvd_world)
    settings.ACCORD_CVE_SERVICES_API_KEY = ""
    unconfigured = run("cvd", "submit-cve", reference, "--as", "sec@accord.example")
    assert unconfigured.exit_code == 1
    assert len(unconfigured.output.strip().splitlines()) == 1
    assert "CVE Services is not configured" in unconfigured.output
    hidden = run("cvd", "submit-cve", reference, "--as", "someone@other.example")
    assert hidden.exit_code == 1
    assert "that someone@other.example may see" in hidden.output


def test_the_lead_submits_from_the_publication_tab(
    cvd_world: Any, client_for: Any, fake_cve: FakeCveServices
) -> None:
    fake_cve.ids.update({"CVE-2026-0001": "RESERVED", "CVE-2026-0002": "PUBLISHED"})
    advisory_for(cvd_world)
    page_url = reverse("cvd:publication", args=[cvd_world.case.reference])
    submit_url = reverse("cvd:advisory_submit_cve", args=[cvd_world.case.reference])
    lead = client_for(cvd_world.secretariat)
    assert "Submit to CVE Services" in lead.get(page_url).content.decode()
    done = lead.post(submit_url, follow=True)
    assert "CVE Services: CVE-2026-0001 published, CVE-2026-0002 updated." in done.content.decode()
    fake_cve.refuse = "Parameters were invalid"
    refused = lead.post(submit_url, follow=True)
    assert "Parameters were invalid" in refused.content.decode()
    vendor = client_for(cvd_world.vendor_a_admin)
    assert "Submit to CVE Services" not in vendor.get(page_url).content.decode()
    assert vendor.post(submit_url).status_code in (403, 404)
    assert set(fake_cve.sent) == {"CVE-2026-0001", "CVE-2026-0002"}


def test_a_non_clear_advisory_is_not_sent_to_the_public_cve_list(
    cvd_world: Any, client_for: Any, fake_cve: FakeCveServices
) -> None:
    fake_cve.ids.update({"CVE-2026-0001": "RESERVED", "CVE-2026-0002": "RESERVED"})
    advisory = advisory_for(cvd_world)
    Advisory.objects.filter(pk=advisory.pk).update(tlp="green")
    advisory.refresh_from_db()
    with pytest.raises(StateConflict, match="CVE records are public: lower the case's TLP"):
        submit_cve_records(actor=cvd_world.secretariat, advisory=advisory)
    assert fake_cve.sent == {}
    page_url = reverse("cvd:publication", args=[cvd_world.case.reference])
    lead = client_for(cvd_world.secretariat)
    assert "Submit to CVE Services" not in lead.get(page_url).content.decode()
    submit_url = reverse("cvd:advisory_submit_cve", args=[cvd_world.case.reference])
    refused = lead.post(submit_url, follow=True)
    assert "lower the case" in refused.content.decode()
    assert fake_cve.sent == {}
