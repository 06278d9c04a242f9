"""Domain errors become responses in two places only: `accord.web.middleware` for pages
and the exception handler in `accord.api` for the JSON API.

A view or an API route may catch `Invalid` to show the message in its form (that is the
page, not the mapping); catching any other kind of `DomainError` there translates it a
second time, so it is refused here unless listed in `JUSTIFIED` with the reason.
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from accord.errors import DomainError, Invalid

SOURCE = Path(__file__).resolve().parents[2] / "src" / "accord"

# (function, exception) -> why the view catches it.
JUSTIFIED = {
    ("dashboard", "NoFigures"): (
        "before the first snapshot, or for a day without figures, the dashboard is shown "
        "with a notice (200 without a date, 404 with one), not an error page"
    ),
    ("_document_upload", "UploadTooLarge"): (
        "a refused file is a form's field error: the upload form is shown again with the "
        "message beside the file field (413), not a dead-end error page"
    ),
    ("_document_upload", "UnsupportedFileType"): (
        "as for a file too large: the upload form again, with the message by the field (415)"
    ),
}


def handler_modules() -> Iterator[tuple[str, Path]]:
    for path in sorted(SOURCE.rglob("*.py")):
        if path.stem in {"views", "api"} or path.stem.endswith(("_views", "_api")):
            relative = path.relative_to(SOURCE.parent).with_suffix("")
            yield ".".join(relative.parts), path


def _resolve(node: ast.expr, namespace: dict[str, Any]) -> Any:
    if isinstance(node, ast.Name):
        return namespace.get(node.id)
    if isinstance(node, ast.Attribute):
        return getattr(_resolve(node.value, namespace), node.attr, None)
    return None


def _caught(handler: ast.ExceptHandler) -> list[ast.expr]:
    if handler.type is None:
        return []
    return list(handler.type.elts) if isinstance(handler.type, ast.Tuple) else [handler.type]


def refusals_caught(source: str, namespace: dict[str, Any]) -> list[tuple[str, str]]:
    """(function, exception) for each `except` of a DomainError that is not an Invalid."""
    found = []
    for function in ast.walk(ast.parse(source)):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if not isinstance(node, ast.ExceptHandler):
                continue
            for expr in _caught(node):
                kind = _resolve(expr, namespace)
                refusal = isinstance(kind, type) and issubclass(kind, DomainError)
                if refusal and not issubclass(kind, Invalid):
                    found.append((function.name, kind.__name__))
    return found


def test_views_and_routes_leave_refusals_to_the_mapping() -> None:
    modules = list(handler_modules())
    assert len(modules) >= 8, modules
    refused = []
    for name, path in modules:
        namespace = vars(importlib.import_module(name))
        for caught in refusals_caught(path.read_text(encoding="utf-8"), namespace):
            if caught not in JUSTIFIED:
                refused.append((name, *caught))
    assert refused == []


def test_every_justified_catch_is_still_there() -> None:
    seen = set()
    for name, path in handler_modules():
        namespace = vars(importlib.import_module(name))
        seen.update(refusals_caught(path.read_text(encoding="utf-8"), namespace))
    assert set(JUSTIFIED) <= seen


def test_a_view_translating_a_refusal_itself_is_caught() -> None:
    from accord.commitments import exceptions

    source = (
        "def withdraw(request):\n"
        "    try:\n"
        "        services.withdraw_commitment(commitment=c, actor=request.user)\n"
        "    except (exceptions.AdoptionError, ValueError) as exc:\n"
        "        return _refused(request, exc)\n"
        "    except exceptions.InvalidInput:\n"
        "        pass\n"
    )
    assert refusals_caught(source, {"exceptions": exceptions}) == [("withdraw", "AdoptionError")]


def test_only_the_mapping_places_render_the_error_page() -> None:
    renderers = {
        str(path.relative_to(SOURCE))
        for path in SOURCE.rglob("*.py")
        if '"web/error.html"' in path.read_text(encoding="utf-8")
        or '"web/_error.html"' in path.read_text(encoding="utf-8")
    }
    # web/views.py answers Django's own 400/403/404/500 (Http404, PermissionDenied, ...).
    assert renderers == {"web/middleware.py", "web/views.py"}
