"""Schemathesis fuzzes the API against its own OpenAPI document, anonymous and with the
token of an organisation admin who has data: no answer is a server error, and every
answer (status, content type, headers, body) is one the document describes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accord.accounts.models import Organisation, User
from accord.accounts.services import create_api_token
from accord.commitments import services as commitments
from accord.evidence.models import Domain
from accord.figures.services import rebuild_snapshots
from tests.figures.factories_metrics import commit, make_orgs

pytestmark = pytest.mark.usefixtures("catalogue", "published_figures")

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
EXAMPLES = 50  # per operation and kind of data (valid, invalid)
MINIMUM_REQUESTS = 1000  # per caller, so a run of both sends 2,000 or more
Answers = Counter[tuple[str, int]]


@pytest.fixture
def schema(db: None) -> Iterator[Any]:
    """The document as the running application serves it, with calls sent to that
    application in-process."""
    # As Django's test client does: neither the start nor the end of a request may close
    # the connection, which holds the test's transaction (SQLite's in-memory one is never
    # closed, so only PostgreSQL shows it).
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


@pytest.fixture
def published_figures(catalogue: object) -> None:
    """Ten days of figures over six energy organisations, enough to publish."""
    first = date(2025, 3, 1)
    for organisation in make_orgs(6, sector="energy"):
        commit(organisation, "cvd.security-txt", on=first)
    rebuild_snapshots(until=first + timedelta(days=9))


@pytest.fixture
def admin_token(alice: User, org_a: Organisation, alpha_domain: Domain, observe: Any) -> str:
    """Alice's token for Alpha, which has a verified domain with an observation and a
    commitment."""
    today = timezone.localdate()
    commitments.commit_to_practice(
        organisation=org_a,
        practice_id="cvd.security-txt",
        target_date=today + timedelta(days=30),
        actor=alice,
    )
    observe(alpha_domain, "security-txt", "pass", timezone.now())
    _, secret = create_api_token(user=alice, organisation=org_a, name="fuzz")
    return secret


def test_anonymous_requests_are_answered_as_documented(schema: Any) -> None:
    answers, failures = fuzz(schema, headers={})
    assert not failures, "\n\n".join(failures)
    assert answers.total() >= MINIMUM_REQUESTS
    assert answers["GET /api/v1/catalogue/practices/{practice_id}", 200] > 0
    assert statuses(answers, "GET /api/v1/commitments/") == {401}


def test_an_admin_tokens_requests_are_answered_as_documented(schema: Any, admin_token: str) -> None:
    answers, failures = fuzz(schema, headers={"Authorization": f"Bearer {admin_token}"})
    assert not failures, "\n\n".join(failures)
    assert answers.total() >= MINIMUM_REQUESTS
    assert statuses(answers, "GET /api/v1/commitments/") == {200}
    assert answers["GET /api/v1/commitments/{practice}", 200] > 0
    assert answers["POST /api/v1/commitments/{practice}/attestations", 201] > 0
    assert answers["GET /api/v1/adoption/timeseries", 200] > 0


def fuzz(schema: Any, headers: dict[str, str]) -> tuple[Answers, list[str]]:
    """Every operation with generated data, valid and invalid, and once in each of its
    formats: the answers by operation and status, and the failures."""
    answers: Answers = Counter()
    failures: list[str] = []

    def send(case: Any) -> None:
        response = case.call()
        answers[case.operation.label, response.status_code] += 1
        case.validate_response(response, checks=CHECKS)

    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in modes_for(operation):
            # The token is fixed: the generated data would replace it with a made-up one.
            strategy = operation.as_strategy(generation_mode=mode, headers=headers or None)
            generated = given(case=strategy)(send)
            try:
                hypothesis_settings(generated)()
            except (Exception, BaseExceptionGroup) as exc:  # each is reported at the end
                failures.append(f"{operation.label} ({mode.value}): {described(exc)}")
        for case in cases_in_each_format(operation, headers):
            try:
                send(case)
            except (Exception, BaseExceptionGroup) as exc:
                failures.append(f"{operation.label} {case.query}: {described(exc)}")
    return answers, failures


hypothesis_settings = settings(
    max_examples=EXAMPLES,
    derandomize=True,  # the same requests on every run
    database=None,  # nothing written to a .hypothesis folder
    deadline=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=list(HealthCheck),
)


def modes_for(operation: Any) -> list[GenerationMode]:
    """Valid data for every operation; invalid data too where it takes any."""
    takes = [operation.path_parameters, operation.query, operation.body]
    if any(len(values) for values in takes):
        return [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    return [GenerationMode.POSITIVE]


def cases_in_each_format(operation: Any, headers: dict[str, str]) -> list[Any]:
    """With nothing but `format` given, which generated data seldom hits (it fills in
    the other parameters): the latest figures, the whole catalogue, in every format."""
    parameter = operation.query.get("format")
    if parameter is None:
        return []
    formats = parameter.definition["schema"]["enum"]
    return [operation.Case(query={"format": name}, headers=headers) for name in formats]


def described(exc: BaseException) -> str:
    """A failure in a few lines: each check that failed, and the request that made it."""
    found = exc.exceptions if isinstance(exc, BaseExceptionGroup) else (exc,)
    lines = [f"{getattr(one, 'title', type(one).__name__)}: {str(one)[:400]}" for one in found]
    lines += [note.strip()[:400] for note in getattr(exc, "__notes__", [])]
    return "\n  ".join(lines)


def statuses(answers: Answers, label: str) -> set[int]:
    return {status for operation, status in answers if operation == label}
