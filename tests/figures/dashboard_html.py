"""Reading the dashboard's HTML back into figures, for tests that compare it with the
open data."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class DashboardPage(HTMLParser):
    """Cells of the figures tables (by table id, row id and status), the headline
    figures (by name), and the charts' accessible names."""

    def __init__(self, html: str):
        super().__init__()
        self.tables: dict[str, dict[str, dict[str, dict[str, str]]]] = {}
        self.headline: dict[str, dict[str, str]] = {}
        self.charts: list[dict[str, str]] = []
        self._table = self._row = ""
        self._cell: dict[str, str] | None = None
        self._title: dict[str, str] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "table" and "adoption" in found.get("class", ""):
            self._table = found["id"]
            self.tables[self._table] = {}
        elif tag == "tr" and self._table and "data-id" in found:
            self._row = found["data-id"]
            self.tables[self._table][self._row] = {}
        elif tag == "td" and self._row and "data-status" in found:
            self._cell = {**found, "text": ""}
            self.tables[self._table][self._row][found["data-status"]] = self._cell
        elif tag == "div" and "data-figure" in found:
            self.headline[found["data-figure"]] = found
        elif tag == "svg":
            self.charts.append({**found, "title": ""})
        elif tag == "title" and self.charts:
            self._title = self.charts[-1]

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = self._row = ""
        elif tag == "td":
            self._cell = None
        elif tag == "title":
            self._title = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell["text"] += data
        if self._title is not None:
            self._title["title"] += data


def cell_from_page(cell: dict[str, str]) -> dict[str, Any]:
    """A table cell in the open data's form."""
    if cell.get("data-suppressed") == "true":
        assert cell["text"].strip() == "withheld"
        return {"count": None, "share": None, "suppressed": True}
    return {
        "count": int(cell["data-count"]),
        "share": float(cell["data-share"]),
        "suppressed": False,
    }
