"""Every finding code a check can emit is explained in plain words with a fix, and an
unreachable domain gives one message, not one row per check."""

from __future__ import annotations

import ast
import asyncio
import inspect
from pathlib import Path

import pytest
import sectxt

from accord.engine import checks as checks_package
from accord.engine.checks import CHECKS, assess_domain
from accord.engine.checks.securitytxt import ACCORD_CODES, SECTXT_HTTP_CODES
from accord.engine.checks.vdp import ELEMENTS
from accord.engine.explanations import EXPLANATIONS, explain, headline, shared_host_failure
from accord.engine.registry import PLATFORM_CHECKS
from accord.engine.types import FETCH_ERROR_CODES, FetchError, FetchOutcome

CHECKS_DIR = Path(checks_package.__file__).parent
SECTXT_METHODS = {"_add_error", "_add_recommendation", "_add_notification"}


def _called(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    return node.func.attr if isinstance(node.func, ast.Attribute) else None


def _code_literals(node: ast.expr) -> set[str]:
    """The string literals an expression given as a code can evaluate to: a literal, or
    the values of a literal dict looked up with a literal default (`{...}.get(k, "x")`)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return set()
    if node.func.attr != "get" or not isinstance(node.func.value, ast.Dict):
        return set()
    values = [*node.func.value.values, *node.args[1:]]
    return {v.value for v in values if isinstance(v, ast.Constant) and isinstance(v.value, str)}


def codes_in_source(source: str) -> set[str]:
    """Codes a module emits: `Finding("code", ...)`, helpers with a `code` parameter given
    a literal, and literals assigned to a variable named `code`."""
    tree = ast.parse(source)
    helpers = {
        fn.name: [a.arg for a in fn.args.args].index("code")
        for fn in ast.walk(tree)
        if isinstance(fn, ast.FunctionDef) and "code" in [a.arg for a in fn.args.args]
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = _called(node)
            position = 0 if name == "Finding" else helpers.get(name or "")
            if position is not None and len(node.args) > position:
                found |= _code_literals(node.args[position])
            found |= {
                c for kw in node.keywords if kw.arg == "code" for c in _code_literals(kw.value)
            }
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "code" for t in node.targets
        ):
            found |= _code_literals(node.value)
    return found


def sectxt_codes() -> set[str]:
    tree = ast.parse(inspect.getsource(sectxt))
    return {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and _called(node) in SECTXT_METHODS
        and isinstance(node.args[0], ast.Constant)
    }


def emittable_codes() -> set[str]:
    own = set().union(*(codes_in_source(p.read_text()) for p in CHECKS_DIR.glob("*.py")))
    dynamic = {code for code, _, _ in ELEMENTS.values()} | set(FETCH_ERROR_CODES)
    # The platform's own checks declare theirs (the CVD app reports them).
    dynamic |= {code for check in PLATFORM_CHECKS.values() for code in check.codes}
    return own | dynamic | sectxt_codes() | SECTXT_HTTP_CODES | ACCORD_CODES


def test_the_collector_finds_the_codes_of_every_kind() -> None:
    codes = emittable_codes()
    # One of each source: a literal, a helper's argument, a lookup, sectxt, the fetcher.
    expected = {
        "no_csaf_field",
        "key_mismatch",
        "index_txt_unreachable",
        "vdp_no_scope",
        "rolie_feed_unreachable",
        "no_canonical_match",
        "dns_error",
        "internal_error",
    }
    assert expected <= codes
    assert len(codes) > 90


def test_every_code_a_check_can_emit_is_explained() -> None:
    missing = sorted(emittable_codes() - set(EXPLANATIONS))
    assert missing == []


def test_no_explanation_is_of_a_code_nothing_emits() -> None:
    assert sorted(set(EXPLANATIONS) - emittable_codes()) == []


@pytest.mark.parametrize("code", sorted(EXPLANATIONS))
def test_each_explanation_says_what_is_wrong_and_what_to_do(code: str) -> None:
    found = EXPLANATIONS[code]
    assert found.code == code
    assert found.problem.endswith(".")
    assert found.fix.endswith(".")
    assert found.problem != found.fix
    assert not found.reference_url or found.reference_url.startswith("https://")
    assert code not in found.problem  # plain words, not the code again


def test_an_unknown_code_still_gets_an_honest_answer() -> None:
    found = explain("code_from_an_older_version")
    assert found.code == "code_from_an_older_version"
    assert "no explanation" in found.problem


class _Failing:
    """A fetcher for which the whole domain fails in one way."""

    def __init__(self, code: str) -> None:
        self.code = code

    async def get(self, url: str, *, max_bytes: int = 1_048_576) -> FetchOutcome:
        return FetchError(url, self.code, f"{self.code} for {url}")


def _key_codes(code: str) -> dict[str, list[str]]:
    results = asyncio.run(assess_domain("gone.example", _Failing(code)))
    return {check_id: [f.code for f in result.errors] for check_id, result in results.items()}


def test_an_unreachable_domain_is_one_message_for_every_check() -> None:
    key_codes = _key_codes("dns_error")
    assert set(map(tuple, key_codes.values())) == {("dns_error",)}
    assert shared_host_failure(key_codes) == ("dns_error", list(CHECKS))
    assert headline("dns_error") == "domain unreachable"


def test_a_broken_tls_connection_folds_the_certificate_findings_in() -> None:
    key_codes = _key_codes("tls_error")
    code, folded = shared_host_failure(key_codes) or ("", [])
    assert code == "tls_error"
    # The policy check says only that no policy is named: it stays a row of its own.
    assert key_codes["vdp"] == ["no_policy"]
    assert sorted(folded) == sorted(set(CHECKS) - {"vdp"})


def test_checks_that_found_something_else_are_not_folded() -> None:
    assert shared_host_failure({"a": ["dns_error"], "b": ["no_hsts"]}) is None
    assert shared_host_failure({"a": ["dns_error"], "b": ["dns_error"], "c": ["no_hsts"]}) == (
        "dns_error",
        ["a", "b"],
    )
    assert shared_host_failure({"a": ["no_hsts"], "b": ["no_hsts"]}) is None
    assert shared_host_failure({"a": ["dns_error", "no_hsts"], "b": ["dns_error"]}) is None
