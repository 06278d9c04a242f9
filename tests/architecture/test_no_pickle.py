"""No pickle anywhere (issue 10's trust rules, after VINCE's CVE-2022-40238): no module
of Accord deserialises with pickle or its kin, and tasks cross Redis as JSON."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

import accord

SOURCE = Path(accord.__file__).parent
UNSAFE = {"pickle", "cPickle", "_pickle", "marshal", "shelve", "dill", "cloudpickle", "jsonpickle"}


def _imports(tree: ast.AST) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_no_module_imports_a_pickle_library() -> None:
    offenders = {
        str(path.relative_to(SOURCE)): sorted(_imports(ast.parse(path.read_text())) & UNSAFE)
        for path in SOURCE.rglob("*.py")
    }
    assert {path: names for path, names in offenders.items() if names} == {}


def test_the_rq_queues_serialise_jobs_as_json() -> None:
    for name, queue in settings.RQ_QUEUES.items():
        assert queue["SERIALIZER"] == "rq.serializers.JSONSerializer", name
