"""The yearly adoption report: `accord report --year Y --format html|pdf --out FILE`.

The PDF is checked as a reader would see it: every page rendered by pdftoppm (none
blank), the text pdftotext reads from it (cover, contents, sector and country tables,
non-Latin scripts), and its links, which must answer on the instance.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from django.test import Client
from PIL import Image

from accord.cli import report
from accord.commitments.models import Status
from accord.figures.report import (
    Share,
    build_report,
    country_name,
    render_report_html,
    render_report_pdf,
    report_base_url,
    verified_share,
)
from accord.figures.selectors import adoption_figures
from accord.figures.services import rebuild_snapshots
from tests.figures.factories_metrics import commit, make_orgs, verify

pytestmark = pytest.mark.django_db(transaction=True)
TXT = "cvd.security-txt"
BASE = "https://accord.example.org"
SCRIPTS = ["中文", "Ελληνικά", "Кириллица", "العربية"]
NAME = "Coalition " + " ".join(SCRIPTS)


@pytest.fixture(autouse=True)
def _instance(settings: Any) -> None:
    settings.ACCORD_BASE_URL = BASE
    settings.ACCORD_INSTANCE_NAME = NAME


@pytest.fixture
def two_years(catalogue: object) -> None:
    energy = make_orgs(12, created=date(2024, 6, 1), sector="energy", country="DE")
    finance = make_orgs(10, created=date(2024, 6, 1), sector="finance", country="FR")
    water = make_orgs(6, created=date(2024, 6, 1), sector="water", country="JP")
    make_orgs(3, created=date(2024, 6, 1), sector="space", country="NL")  # too few: hidden
    orgs = energy + finance + water
    verify(orgs[:8], TXT, on=date(2024, 9, 1), verified=date(2024, 10, 1))
    verify(orgs[8:20], TXT, on=date(2025, 2, 1), verified=date(2025, 4, 1))
    for org in orgs[20:26]:
        commit(org, "cvd.disclosure-policy", on=date(2025, 3, 1),
               then=[(Status.IMPLEMENTED, date(2025, 5, 1))])  # fmt: skip
    rebuild_snapshots(until=date(2025, 12, 31))


def pdf_text(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed (apt-get install poppler-utils)")
    text = subprocess.run(
        ["pdftotext", str(path), "-"], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    # Arabic is stored in its joined letter forms; NFKC gives back the letters.
    return unicodedata.normalize("NFKC", text)


def rendered_pages(path: Path, out: Path) -> list[Path]:
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", str(path), str(out / "page")],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    return sorted(out.glob("page-*.png"))


def inked(page: Path) -> float:
    """The share of a page's pixels that are not white."""
    image = Image.open(page).convert("L")
    histogram = image.histogram()
    return 1 - sum(histogram[250:]) / (image.width * image.height)


def test_the_report_reads_the_published_figures(two_years: None) -> None:
    built = build_report(year=2025)
    assert built.figures == adoption_figures(day=date(2025, 12, 31))
    assert built.previous == adoption_figures(day=date(2024, 12, 31))
    assert not built.partial_year
    verified = next(h for h in built.headlines if h.key == "verified")
    assert verified.now == f"{20 / 31 * 100:.1f}%"
    assert verified.before == f"{8 / 31 * 100:.1f}%"
    assert verified.change == f"{(20 - 8) / 31 * 100:+.1f} points"
    line = next(n for s in built.sections for n in s.norms if n.row.key == "norm:un-gge-2015:13j")
    assert line.verified_change == round((20 - 8) / 31 * 100, 1)


def test_the_summary_says_in_words_what_the_figures_show(two_years: None) -> None:
    summary = " ".join(build_report(year=2025).summary)
    assert f"At the end of 2025, {NAME} had 31 member organisations" in summary
    assert "as many as a year before" in summary
    assert f"{20 / 31 * 100:.1f}% had proven at least one" in summary
    assert "The biggest movers among the norms were" in summary
    assert f", +{12 / 31 * 100:.1f} points, to {20 / 31 * 100:.1f}%)" in summary


def test_sector_and_country_tables_hide_small_groups_and_name_countries(two_years: None) -> None:
    built = build_report(year=2025)
    sectors = {line.label: line for line in built.sectors.lines}
    # "space" (3) is too small, and "water" (6) is hidden with it so it cannot be subtracted.
    assert set(sectors) == {"Energy", "Finance", "Other sectors, or not stated"}
    assert sectors["Other sectors, or not stated"].population == 9
    assert sectors["Energy"].population == 12
    countries = [line.label for line in built.countries.lines]
    assert countries == ["France", "Germany", "Other countries, or not stated"]
    assert country_name("GB") == "United Kingdom"
    assert country_name("TW") == "Taiwan"
    assert country_name("") == "Not stated"
    assert country_name("XX") == "XX"


def test_a_withheld_headline_is_given_as_a_lower_bound_from_published_figures(
    catalogue: object,
) -> None:
    # 27 of 30 verified, 3 only committed: the exact share would single out those 3.
    orgs = make_orgs(30)
    verify(orgs[:20], TXT, on=date(2025, 2, 1), verified=date(2025, 3, 1))
    verify(orgs[20:27], "supply-chain.sbom", on=date(2025, 2, 1), verified=date(2025, 3, 1))
    for org in orgs[27:]:
        commit(org, "cvd.disclosure-policy", on=date(2025, 2, 1))
    rebuild_snapshots(until=date(2025, 12, 31))
    figures = adoption_figures(day=date(2025, 12, 31))
    assert figures.overall is not None
    assert figures.overall.verified.count is None
    published = [row.verified.count for row in figures.rows() if row.verified.count]
    share = verified_share(figures)
    # The largest published count, which the true 27 cannot be below.
    assert share == Share(round(max(published) / 30, 4), max(published), bound=True)
    assert 20 <= max(published) <= 27
    assert share.text == f"at least {max(published) / 30 * 100:.1f}%"
    built = build_report(year=2025)
    verified = next(h for h in built.headlines if h.key == "verified")
    assert verified.now == f"≥ {max(published) / 30 * 100:.1f}%"
    assert "n/a" not in render_report_html(built)


def test_the_html_report_has_every_part(two_years: None) -> None:
    html = render_report_html(build_report(year=2025))
    for heading in (
        "Contents",
        "1 Summary",
        "2 Headline figures and their method",
        "3 Adoption over the year",
        "4 Per framework and per norm",
        "5 By sector",
        "6 By country",
        "7 What changed since last year",
        "8 Caveats",
        "9 Method and open data",
    ):
        assert f">{heading}</h2>" in html, heading
    assert ">UN GGE 2015 norms of responsible state behaviour</h3>" in html
    assert html.count("<svg") == 1  # the year's lines; bars are HTML
    assert 'role="img"' in html
    assert "para. 13(j): Report vulnerabilities responsibly and share remedies" in html
    assert f'href="{BASE}/api/v1/adoption/summary?date=2025-12-31"' in html
    assert all(script in html for script in SCRIPTS)


def test_a_year_not_over_uses_the_latest_day(catalogue: object) -> None:
    verify(make_orgs(6), TXT, on=date(2026, 1, 5), verified=date(2026, 1, 20))
    rebuild_snapshots(until=date(2026, 3, 1))
    built = build_report(year=2026)
    assert built.partial_year
    assert built.figures.day == date(2026, 3, 1)
    assert built.previous is None
    html = render_report_html(built)
    assert "No figures are kept for the end of 2025" in html
    assert "the latest day kept (the year is not over)" in html


def test_the_command_writes_html(two_years: None, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = CliRunner().invoke(report, ["--year", "2025", "--format", "html", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text().startswith("<!doctype html>")


def test_the_command_refuses_a_year_without_figures(two_years: None, tmp_path: Path) -> None:
    result = CliRunner().invoke(report, ["--year", "2019", "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 1
    assert "No adoption figures for 2019" in result.output
    assert not (tmp_path / "r.html").exists()


def test_the_command_needs_a_file_or_publish(two_years: None) -> None:
    result = CliRunner().invoke(report, ["--year", "2025"])
    assert result.exit_code == 2
    assert "Give --out FILE, or --publish" in result.output


def test_every_pdf_page_renders_and_reads_as_a_publication(two_years: None, tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    result = CliRunner().invoke(report, ["--year", "2025", "--format", "pdf", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF-")
    text = pdf_text(out)
    pages = rendered_pages(out, tmp_path)
    assert len(pages) == text.count("\f") >= 10
    assert all(inked(page) > 0.005 for page in pages), [inked(p) for p in pages]
    assert inked(pages[0]) > 0.3  # the cover's colour band
    cover = text.split("\f")[0]
    assert "Coalition 中文 Ελληνικά" in cover.replace("\n", " ")
    assert "Yearly report 2025" in cover
    for script in SCRIPTS:
        assert script in text, script
    assert "??" not in text
    contents = text.split("\f")[1]
    assert "Contents" in contents
    for entry in ("1 Summary", "5 By sector", "6 By country", "9 Method and open data"):
        assert entry in contents, entry
    for heading in ("By sector", "By country", "What changed since last year", "Caveats"):
        assert text.count(heading) >= 2, heading  # in the contents and as a heading
    assert "Germany" in text
    assert "France" in text
    assert f"page 3 of {len(pages)}" in text


def test_the_pdf_contents_give_the_pages_the_sections_are_on(
    two_years: None, tmp_path: Path
) -> None:
    out = tmp_path / "report.pdf"
    out.write_bytes(render_report_pdf(build_report(year=2025)))
    pages = pdf_text(out).split("\f")
    sections = ["Summary", "Headline figures and their method", "Adoption over the year",
                "Per framework and per norm", "By sector", "By country",
                "What changed since last year", "Caveats", "Method and open data"]  # fmt: skip
    for n, title in enumerate(sections, start=1):
        found = re.search(rf"{n} {title}[\s.]*?(\d+)\n", pages[1])
        assert found is not None, title
        assert f"{n} {title}" in pages[int(found[1]) - 1], title  # its heading is on that page


def test_the_pdf_links_to_the_open_data_by_absolute_addresses_that_answer(
    two_years: None, tmp_path: Path
) -> None:
    built = build_report(year=2025)
    out = tmp_path / "report.pdf"
    out.write_bytes(render_report_pdf(built))
    text = pdf_text(out)
    links = built.links
    footer = f"Open data: {BASE}/api/v1/adoption/summary?date=2025-12-31"
    assert footer in text
    client = Client()
    for url in (links.summary, links.norms_csv, links.practices_csv, links.dashboard,
                links.archive, links.api_docs):  # fmt: skip
        assert url.startswith(f"{BASE}/"), url
        assert url.split("&")[0] in text.replace("\n", ""), url
        parts = urlsplit(url)
        response = client.get(parts.path, dict(p.split("=") for p in parts.query.split("&") if p))
        assert response.status_code == 200, url


def test_the_same_figures_give_the_same_pdf_bytes(two_years: None, tmp_path: Path) -> None:
    first = render_report_pdf(build_report(year=2025))
    out = tmp_path / "cli.pdf"
    CliRunner().invoke(report, ["--year", "2025", "--format", "pdf", "--out", str(out)])
    assert out.read_bytes() == first
    assert b"/CreationDate" in first


def test_links_start_with_the_setting_or_else_the_request(settings: Any, rf: Any) -> None:
    assert report_base_url() == BASE
    settings.ACCORD_BASE_URL = ""
    assert report_base_url() == "http://127.0.0.1:8000"
    assert report_base_url(rf.get("/adoption/reports/")) == "http://testserver"


def test_a_late_day_in_december_is_the_year_end(catalogue: object) -> None:
    verify(make_orgs(5), TXT, on=date(2025, 12, 1), verified=date(2025, 12, 2))
    rebuild_snapshots(until=date(2026, 1, 10))
    assert build_report(year=2025).figures.day == date(2025, 12, 31)
    assert build_report(year=2026).previous is not None
    assert build_report(year=2026).figures.day == date(2026, 1, 10)
