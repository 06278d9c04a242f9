"""Publishing the yearly report into the public archive at /adoption/reports/.

The secretariat presses "Publish the <year> report"; the service stores the PDF and
HTML as a new version (earlier ones stay), refuses an identical one with 409, and
records an audit event. Anyone downloads what is published; only the secretariat
publishes or reads drafts. The command line and the web make the same bytes.
"""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from django.test import Client

from accord.audit.models import Event
from accord.cli import report
from accord.errors import Conflict, Invalid, NotAllowed
from accord.figures.models import PublishedReport
from accord.figures.services import publish_report, rebuild_snapshots
from tests.figures.factories_metrics import make_orgs, verify

pytestmark = pytest.mark.django_db(transaction=True)
BASE = "https://accord.example.org"
TXT = "cvd.security-txt"


@pytest.fixture(autouse=True)
def _base(settings: Any) -> None:
    settings.ACCORD_BASE_URL = BASE


@pytest.fixture
def figures(catalogue: object) -> None:
    orgs = make_orgs(12, created=date(2024, 6, 1))
    verify(orgs[:6], TXT, on=date(2025, 2, 1), verified=date(2025, 3, 1))
    rebuild_snapshots(until=date(2025, 12, 31))


def downloaded(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def test_publishing_stores_a_version_with_its_checksum_and_an_audit_event(
    figures: None, secretariat: Any
) -> None:
    done = publish_report(year=2025, actor=secretariat, base_url=BASE)
    stored = done.report
    assert (stored.year, stored.version, stored.figures_day) == (2025, 1, date(2025, 12, 31))
    assert done.superseded is None
    pdf = stored.pdf.read()
    assert pdf.startswith(b"%PDF-")
    assert hashlib.sha256(pdf).hexdigest() == stored.checksum
    assert stored.html.read().startswith(b"<!doctype html>")
    event = Event.objects.get(tag="figures:report:publish")
    assert event.actor == secretariat
    assert event.data["sha256"] == stored.checksum
    assert event.data["version"] == 1


def test_the_same_figures_are_not_published_twice(figures: None, secretariat: Any) -> None:
    publish_report(year=2025, actor=secretariat, base_url=BASE)
    with pytest.raises(Conflict, match="already published as version 1"):
        publish_report(year=2025, actor=secretariat, base_url=BASE)
    assert PublishedReport.objects.count() == 1


def test_publishing_again_after_a_change_keeps_the_earlier_version(
    figures: None, secretariat: Any
) -> None:
    first = publish_report(year=2025, actor=secretariat, base_url=BASE).report
    verify(make_orgs(5, created=date(2025, 1, 1)), TXT, on=date(2025, 6, 1),
           verified=date(2025, 7, 1))  # fmt: skip
    rebuild_snapshots(until=date(2025, 12, 31))
    second = publish_report(year=2025, actor=secretariat, base_url=BASE)
    assert second.report.version == 2
    assert second.superseded == first
    assert second.report.checksum != first.checksum
    assert PublishedReport.objects.filter(year=2025).count() == 2


def test_only_the_secretariat_publishes_and_only_years_with_figures(
    figures: None, alice: Any
) -> None:
    with pytest.raises(NotAllowed):
        publish_report(year=2025, actor=alice, base_url=BASE)
    with pytest.raises(Invalid, match="No adoption figures for 2019") as refused:
        publish_report(year=2019, actor=None, base_url=BASE)
    assert refused.value.field == "year"


def test_anyone_reads_the_archive_and_downloads_what_is_published(
    figures: None, secretariat: Any, client_for: Any, bob: Any
) -> None:
    empty = Client().get("/adoption/reports/")
    assert empty.status_code == 200
    assert "No report has been published yet." in empty.content.decode()
    stored = publish_report(year=2025, actor=secretariat, base_url=BASE).report
    for client in (Client(), client_for(bob)):
        page = client.get("/adoption/reports/").content.decode()
        assert 'id="report-2025"' in page
        assert "Publish the 2025 report" not in page
        pdf = client.get("/adoption/reports/2025/v1/report.pdf")
        assert pdf.status_code == 200
        assert pdf["Content-Type"] == "application/pdf"
        assert hashlib.sha256(downloaded(pdf)).hexdigest() == stored.checksum
        html = client.get("/adoption/reports/2025/report.html")
        assert html["Content-Security-Policy"].startswith("sandbox")
        assert downloaded(html).startswith(b"<!doctype html>")
    assert Client().get("/adoption/reports/2025/v2/report.pdf").status_code == 404
    assert Client().get("/adoption/reports/2024/report.pdf").status_code == 404
    assert Client().get("/adoption/reports/2025/v1/report.exe").status_code == 404


def test_the_publish_button_is_the_secretariats(
    figures: None, secretariat: Any, client_for: Any, alice: Any
) -> None:
    anonymous = Client().post("/adoption/reports/publish/", {"year": "2025"})
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]
    member = client_for(alice).post("/adoption/reports/publish/", {"year": "2025"})
    assert member.status_code == 403
    assert "Only the secretariat publishes reports." in member.content.decode()
    assert client_for(alice).get("/adoption/reports/2025/draft.pdf").status_code == 403
    assert not PublishedReport.objects.exists()

    sec = client_for(secretariat)
    page = sec.get("/adoption/reports/").content.decode()
    assert "Publish the 2025 report" in page
    done = sec.post("/adoption/reports/publish/", {"year": "2025"}, follow=True)
    text = done.content.decode()
    assert "Published the 2025 report as version 1" in text
    assert "It is now in the public archive." in text
    again = sec.post("/adoption/reports/publish/", {"year": "2025"})
    assert again.status_code == 409
    assert "already published as version 1" in again.content.decode()


def test_a_bad_year_is_answered_on_the_page(
    figures: None, secretariat: Any, client_for: Any
) -> None:
    sec = client_for(secretariat)
    for year, message in (("2019", "No adoption figures for 2019"), ("next", "not a year")):
        response = sec.post("/adoption/reports/publish/", {"year": year})
        assert response.status_code == 422
        assert message in response.content.decode()


def test_the_command_line_and_the_web_make_the_same_file(
    figures: None, secretariat: Any, client_for: Any, tmp_path: Path
) -> None:
    out = tmp_path / "report.pdf"
    result = CliRunner().invoke(report, ["--year", "2025", "--format", "pdf", "--out", str(out)])
    assert result.exit_code == 0, result.output
    sec = client_for(secretariat)
    draft = sec.get("/adoption/reports/2025/draft.pdf")
    assert draft.content == out.read_bytes()
    sec.post("/adoption/reports/publish/", {"year": "2025"})
    published = downloaded(Client().get("/adoption/reports/2025/report.pdf"))
    assert published == out.read_bytes()
    html = tmp_path / "report.html"
    CliRunner().invoke(report, ["--year", "2025", "--out", str(html)])
    web_html = downloaded(Client().get("/adoption/reports/2025/report.html"))
    assert web_html == html.read_bytes()


def test_the_command_line_can_publish(figures: None) -> None:
    result = CliRunner().invoke(report, ["--year", "2025", "--publish"])
    assert result.exit_code == 0, result.output
    stored = PublishedReport.objects.get()
    assert f"Published the 2025 report as version 1 (SHA-256 {stored.checksum})" in result.output
    assert Event.objects.get(tag="figures:report:publish").actor_label == "system"
    again = CliRunner().invoke(report, ["--year", "2025", "--publish"])
    assert again.exit_code == 1
    assert "already published" in again.output
