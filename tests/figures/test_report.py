"""The yearly adoption report: `accord report --year Y --format html|pdf --out FILE`."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from accord.cli import report
from accord.commitments.models import Status
from accord.figures.report import build_report, render_report_html
from accord.figures.selectors import adoption_figures
from accord.figures.services import rebuild_snapshots
from tests.figures.factories_metrics import commit, make_orgs, verify

pytestmark = pytest.mark.django_db(transaction=True)
TXT = "cvd.security-txt"


@pytest.fixture
def two_years(catalogue: object) -> None:
    orgs = make_orgs(30, created=date(2024, 6, 1))
    verify(orgs[:8], TXT, on=date(2024, 9, 1), verified=date(2024, 10, 1))
    verify(orgs[8:20], TXT, on=date(2025, 2, 1), verified=date(2025, 4, 1))
    for org in orgs[20:26]:
        commit(org, "cvd.disclosure-policy", on=date(2025, 3, 1),
               then=[(Status.IMPLEMENTED, date(2025, 5, 1))])  # fmt: skip
    rebuild_snapshots(until=date(2025, 12, 31))


def test_the_report_reads_the_published_figures(two_years: None) -> None:
    built = build_report(year=2025)
    assert built.figures == adoption_figures(day=date(2025, 12, 31))
    assert built.previous == adoption_figures(day=date(2024, 12, 31))
    assert not built.partial_year
    verified = next(c for c in built.changes if c.label.startswith("Verified"))
    assert verified.now == f"{20 / 30 * 100:.1f}%"
    assert verified.before == f"{8 / 30 * 100:.1f}%"
    assert verified.change == f"{(20 - 8) / 30 * 100:+.1f} points"
    line = next(n for s in built.sections for n in s.norms if n.row.key == "norm:un-gge-2015:13j")
    assert line.verified_change == round((20 - 8) / 30 * 100, 1)


def test_the_html_report_has_every_part(two_years: None) -> None:
    html = render_report_html(build_report(year=2025))
    for heading in (
        "Method",
        "Headline figures and changes since the previous year",
        "Adoption over the year, per framework",
        "UN GGE 2015 norms of responsible state behaviour",
        "What the data cannot show",
    ):
        assert f">{heading}</h2>" in html
    assert html.count("<svg") == 6  # bars, frameworks, one per framework
    assert 'role="img"' in html
    assert "para. 13(j): Report vulnerabilities responsibly and share remedies" in html


def test_a_year_not_over_uses_the_latest_day(catalogue: object) -> None:
    verify(make_orgs(6), TXT, on=date(2026, 1, 5), verified=date(2026, 1, 20))
    rebuild_snapshots(until=date(2026, 3, 1))
    built = build_report(year=2026)
    assert built.partial_year
    assert built.figures.day == date(2026, 3, 1)
    assert built.previous is None
    assert "No figures are kept for the end of 2025" in render_report_html(built)


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


def test_the_pdf_is_a_real_pdf_whose_pages_render(two_years: None, tmp_path: Path) -> None:
    out = tmp_path / "report.pdf"
    result = CliRunner().invoke(report, ["--year", "2025", "--format", "pdf", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF-")
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed (apt-get install poppler-utils)")
    subprocess.run(
        ["pdftoppm", "-r", "40", "-png", str(out), str(tmp_path / "page")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 3
    assert all(page.stat().st_size > 2000 for page in pages)  # drawn, not blank
    text = subprocess.run(
        ["pdftotext", str(out), "-"], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    assert "Adoption over the year, per framework" in text
    assert "What the data cannot show" in text


def test_a_late_day_in_december_is_the_year_end(catalogue: object) -> None:
    verify(make_orgs(5), TXT, on=date(2025, 12, 1), verified=date(2025, 12, 2))
    rebuild_snapshots(until=date(2026, 1, 10))
    assert build_report(year=2025).figures.day == date(2025, 12, 31)
    assert build_report(year=2026).previous is not None
    assert build_report(year=2026).figures.day == date(2026, 1, 10)
