"""Only services write to the project's models, so every write that matters is audited.

A static scan of `src/accord`: any module other than a `services.py` (or a module in a
`services` package) or a migration that creates, saves, updates or deletes rows of a
model of the project (every model `django.apps` lists under `accord.`), through its
manager, a queryset, a related manager or an instance, fails the test with file:line.
The few writes that are not domain writes, or are being moved, are listed in `ALLOWED`
with the reason; an entry that no longer matches any write fails the test too, so the
list only shrinks.
"""

from __future__ import annotations

import ast
import fnmatch
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "accord"

# Path (relative to src/accord, glob) and function ("*" for any) -> why it may write.
ALLOWED: dict[tuple[str, str], str] = {
    ("demo/adoption/__init__.py", "_write"): (
        "saves the demo's one stand-in document file to storage, not a model; the rows "
        "go through each app's bulk import service"
    ),
    ("worker.py", "prune_finished_tasks"): (
        "housekeeping of the task backend's own table (django_tasks_db), not a domain write"
    ),
    ("accounts/models.py", "UserManager.create_user"): (
        "Django's manager contract (createsuperuser); the project creates accounts with "
        "accounts.services.create_user"
    ),
}

QUERYSET_WRITES = frozenset(
    {
        "create",
        "save",
        "delete",
        "update",
        "bulk_create",
        "bulk_update",
        "get_or_create",
        "update_or_create",
    }
)
RELATED_WRITES = frozenset({"add", "remove", "clear", "set"})
INSTANCE_WRITES = frozenset({"save", "delete"})
MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})
# Methods only a queryset has (a dict or a set has none): what they return is a queryset.
QUERYSET_READS = frozenset(
    {
        "all",
        "filter",
        "exclude",
        "select_for_update",
        "select_related",
        "prefetch_related",
        "order_by",
        "distinct",
        "annotate",
        "only",
        "defer",
        "none",
        "active",
        "visible_to",
    }
)


@dataclass(frozen=True)
class Write:
    path: str  # relative to src/accord
    line: int
    function: str
    call: str
    model: str

    def __str__(self) -> str:
        return f"src/accord/{self.path}:{self.line} in {self.function}: {self.call} ({self.model})"


@cache
def project_models() -> tuple[frozenset[str], frozenset[str]]:
    """The class names of the project's models, and the names of their related managers."""
    models = [m for m in apps.get_models() if m.__module__.startswith("accord.")]
    names = frozenset(m.__name__ for m in models)
    accessors = {rel.get_accessor_name() for m in models for rel in m._meta.related_objects}
    accessors |= {f.name for m in models for f in m._meta.many_to_many}
    return names, frozenset(a for a in accessors if a)


class _Scanner(ast.NodeVisitor):
    """Finds the model writes in one module, following names bound in each function."""

    def __init__(self, path: str, models: frozenset[str], accessors: frozenset[str]) -> None:
        self.path, self.models, self.accessors = path, models, accessors
        self.scopes: list[tuple[str, dict[str, str]]] = [("<module>", {})]
        self.writes: list[Write] = []

    # Scopes: a function's bindings are its own; a class only prefixes the name.
    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._enter(node.name, node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._enter(node.name, node)

    def _enter(self, name: str, node: ast.AST) -> None:
        outer = self.scopes[-1][0]
        qualname = name if outer == "<module>" else f"{outer}.{name}"
        self.scopes.append((qualname, {}))
        self.generic_visit(node)
        self.scopes.pop()

    def _bind(self, target: ast.AST, value: ast.AST) -> None:
        model = self.model_of(value)
        names = target.elts if isinstance(target, ast.Tuple) else [target]
        for name in names:
            if isinstance(name, ast.Name) and model:
                self.scopes[-1][1][name.id] = model

    def visit_Assign(self, node: ast.Assign) -> None:
        self.generic_visit(node)
        for target in node.targets:
            self._bind(target, node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.generic_visit(node)
        if node.value is not None:
            self._bind(node.target, node.value)

    def visit_For(self, node: ast.For) -> None:
        self._bind(node.target, node.iter)
        self.generic_visit(node)

    def visit_With(self, node: ast.With) -> None:
        for item in node.items:
            if item.optional_vars is not None:
                self._bind(item.optional_vars, item.context_expr)
        self.generic_visit(node)

    def model_of(self, node: ast.AST) -> str:
        """The model an expression is a class, manager, queryset or instance of, or ""."""
        if isinstance(node, ast.Name):
            if node.id in self.models:
                return node.id
            return next((b[node.id] for _, b in reversed(self.scopes) if node.id in b), "")
        if isinstance(node, ast.Attribute):
            if node.attr in MANAGERS:
                return self.model_of(node.value) or f"{ast.unparse(node.value)}'s model"
            if node.attr in self.accessors:
                return f"related manager .{node.attr}"
            return ""
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute):
                queryset = "a queryset" if node.func.attr in QUERYSET_READS else ""
                return self.model_of(node.func.value) or queryset
            return self.model_of(node.func) if isinstance(node.func, ast.Name) else ""
        if isinstance(node, ast.Subscript | ast.Await):
            return self.model_of(node.value)
        return ""

    def visit_Call(self, node: ast.Call) -> None:
        self.generic_visit(node)
        func = node.func
        if not isinstance(func, ast.Attribute):
            return
        model = self._written(func.value, func.attr)
        if model:
            call = ast.unparse(node)
            call = call if len(call) <= 90 else call[:87] + "..."
            self.writes.append(Write(self.path, node.lineno, self.scopes[-1][0], call, model))

    def _written(self, receiver: ast.AST, method: str) -> str:
        if method in QUERYSET_WRITES:
            model = self.model_of(receiver)
            if model:
                return model
        related = isinstance(receiver, ast.Attribute) and receiver.attr in self.accessors
        if method in RELATED_WRITES and related:
            return f"related manager .{ast.unparse(receiver).rsplit('.', 1)[-1]}"
        if method in INSTANCE_WRITES and not _is_super(receiver):
            # An instance whose class the scan cannot see: a model's, until shown otherwise.
            return "an instance"
        return ""


def _is_super(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"
    )


def writes_in(text: str, path: str) -> list[Write]:
    """The model writes in one module's source."""
    models, accessors = project_models()
    scanner = _Scanner(path, models, accessors)
    scanner.visit(ast.parse(text, filename=path))
    return scanner.writes


def may_write(path: str) -> bool:
    """Services and migrations write; nothing else does."""
    parts = Path(path).parts
    return parts[-1] == "services.py" or "services" in parts[:-1] or "migrations" in parts[:-1]


def allowed_by(write: Write) -> tuple[str, str] | None:
    for pattern, function in ALLOWED:
        if fnmatch.fnmatch(write.path, pattern) and function in ("*", write.function):
            return pattern, function
    return None


def project_writes() -> Iterator[Write]:
    for file in sorted(SOURCE.rglob("*.py")):
        path = file.relative_to(SOURCE).as_posix()
        if not may_write(path):
            yield from writes_in(file.read_text(encoding="utf-8"), path)


# The project ---------------------------------------------------------------------------


def test_the_scan_knows_every_model_of_the_project() -> None:
    models, _ = project_models()
    expected = {m.__name__ for m in apps.get_models() if m._meta.app_label in _project_apps()}
    assert expected <= models
    assert {"User", "Organisation", "Observation", "ScanRun", "Event", "Commitment"} <= models


def _project_apps() -> set[str]:
    return {c.label for c in apps.get_app_configs() if c.name.startswith("accord.")}


def test_only_services_and_migrations_write_to_the_models() -> None:
    stray = [w for w in project_writes() if allowed_by(w) is None]
    listing = "\n".join(f"  {write}" for write in stray)
    assert not stray, (
        f"{len(stray)} write(s) to the project's models outside a services module; move "
        f"each behind a service of the model's app (which records the audit event), or, "
        f"if it is not a domain write, add it to ALLOWED in {__name__} with the reason:\n"
        f"{listing}"
    )


def test_every_allowed_write_still_exists() -> None:
    used = {allowed_by(w) for w in project_writes()}
    stale = [
        f"  {pattern} :: {function}"
        for pattern, function in ALLOWED
        if (pattern, function) not in used
    ]
    assert not stale, "ALLOWED lists writes that are gone; remove:\n" + "\n".join(stale)


# The scan itself -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "model"),
    [
        ("Domain.objects.create(name='a.example')", "Domain"),
        ("Domain.objects.filter(pk=1).update(name='a.example')", "Domain"),
        ("Domain.objects.select_for_update().filter(pk=1)[:5].delete()", "Domain"),
        ("runs = ScanRun.objects.filter(pk=1)\nruns.update(state='done')", "ScanRun"),
        ("def f():\n    run = ScanRun.objects.get(pk=1)\n    run.delete()", "ScanRun"),
        ("for o in Observation.objects.all():\n    o.delete()", "Observation"),
        ("Observation.objects.bulk_create([])", "Observation"),
        ("Observation.objects.bulk_update([], ['status'])", "Observation"),
        ("obj, _ = Membership.objects.get_or_create(role='member')", "Membership"),
        ("Membership.objects.update_or_create(role='member')", "Membership"),
        ("Domain(name='a.example').save()", "Domain"),
        ("organisation.domains.create(name='a.example')", "related manager .domains"),
        ("user.memberships.filter(role='member').delete()", "related manager .memberships"),
        ("practice.norms.add(norm)", "related manager .norms"),
        ("type(obj)._default_manager.filter(pk=1).delete()", "type(obj)'s model"),
        ("selectors.tokens_for(user).filter(pk=1).update(name='x')", "a queryset"),
        ("form.save()", "an instance"),
        ("membership.delete()", "an instance"),
    ],
)
def test_the_scan_sees_a_write(source: str, model: str) -> None:
    [write] = writes_in(source, "web/views.py")
    assert write.model == model
    assert write.path == "web/views.py"
    assert str(write).startswith("src/accord/web/views.py:")


@pytest.mark.parametrize(
    "source",
    [
        "details.update(status='pass')",
        "seen.add(1)\nseen.remove(1)",
        "hashlib.sha256().update(b'')",
        "Domain.objects.filter(pk=1).exists()",
        "class Event:\n    def save(self):\n        super().save()",
        "queryset = Domain.objects.all()\ncount = queryset.count()",
    ],
)
def test_the_scan_lets_a_read_or_a_non_model_call_pass(source: str) -> None:
    assert writes_in(source, "web/views.py") == []


def test_a_write_names_its_function() -> None:
    source = "class Manager:\n    def make(self):\n        Domain.objects.create(name='x')\n"
    [write] = writes_in(source, "accounts/models.py")
    assert (write.function, write.line) == ("Manager.make", 3)


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("accounts/services.py", True),
        ("adoption/services/commitments.py", True),
        ("evidence/migrations/0001_initial.py", True),
        ("accounts/views.py", False),
        ("adoption/tasks.py", False),
        ("worker.py", False),
        ("services_helpers.py", False),
    ],
)
def test_only_services_and_migrations_may_write(path: str, allowed: bool) -> None:
    assert may_write(path) is allowed
