"""`accord report`: the yearly adoption report from the shell.

Wired into the `accord` group in `accord.cli` (`main.add_command(report)`); runnable
alone as `python -m accord.figures.cli --year 2026 --out report.pdf --format pdf`.
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import click


@click.command()
@click.option(
    "--year",
    type=click.IntRange(2000, 2100),
    default=lambda: date.today().year,
    show_default="this year",
    help="The year the report covers.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "pdf"]),
    default="html",
    show_default=True,
    help="html: one self-contained file; pdf: A4, for print.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The file to write.",
)
def report(year: int, fmt: str, out: Path) -> None:
    """Write the coalition's yearly adoption report: method, headline figures, charts,
    per-norm tables, changes since the previous year and what the data cannot show.

    Its figures are the published ones (the dashboard's and the open data's) at the end
    of the year, or on the latest day kept while the year is not over.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accord.settings")
    import django

    django.setup()
    from accord.figures.report import (
        NoFigures,
        build_report,
        render_report_html,
        render_report_pdf,
    )

    try:
        built = build_report(year=year)
    except NoFigures as exc:
        raise click.ClickException(str(exc)) from exc
    if fmt == "pdf":
        out.write_bytes(render_report_pdf(built))
    else:
        out.write_text(render_report_html(built), encoding="utf-8")
    click.echo(f"Wrote the {year} adoption report to {out} ({fmt}).", err=True)


if __name__ == "__main__":
    report()
