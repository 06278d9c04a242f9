"""Storing observations, verdict changes, scanning a domain and scheduling scans.

No test touches the network: scans fetch from an in-memory internet (URL -> Response).
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.engine.checks.fakes import FakeFetcher

from accord.accounts.models import Membership, Organisation, User
from accord.audit.models import Event
from accord.engine.registry import CHECKS
from accord.engine.types import CheckResult, FetchOutcome, Finding, Status
from accord.evidence import services
from accord.evidence.models import (
    CurrentVerdict,
    Domain,
    EvidenceBody,
    Observation,
    ScanRun,
    VerdictChange,
)
from accord.evidence.services import RetrievedEvidence, scans

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
SECURITY_TXT_URL = "https://alpha.example/.well-known/security.txt"
GOOD_SECURITY_TXT = (
    "Contact: mailto:security@alpha.example\n"
    "Expires: 2027-06-01T00:00:00.000Z\n"
    "Policy: https://alpha.example/disclosure\n"
    "Preferred-Languages: en\n"
    "Canonical: https://alpha.example/.well-known/security.txt\n"
)


@pytest.fixture
def domain(org_a: Organisation) -> Domain:
    return Domain.objects.create(organisation=org_a, name="alpha.example", control="verified")


@pytest.fixture
def site() -> FakeFetcher:
    """alpha.example with a valid security.txt and HSTS; every other URL is a 404."""
    fetcher = FakeFetcher()
    fetcher.serve(SECURITY_TXT_URL, GOOD_SECURITY_TXT)
    fetcher.serve(
        "https://alpha.example/",
        "<h1>Alpha</h1>",
        content_type="text/html",
        headers={"Strict-Transport-Security": "max-age=31536000"},
    )
    return fetcher


def result(
    status: Status,
    *,
    check_id: str = "security-txt-fresh",
    errors: tuple[str, ...] = (),
    recommendations: tuple[str, ...] = (),
    details: dict[str, Any] | None = None,
) -> CheckResult:
    return CheckResult(
        check_id,
        status,
        url=SECURITY_TXT_URL,
        errors=[Finding(code, f"{code} found") for code in errors],
        recommendations=[Finding(code, f"{code} advised") for code in recommendations],
        details=details or {},
    )


def record(domain: Domain, check_result: CheckResult, at: datetime, **kwargs: Any) -> Observation:
    return services.record_observation(
        domain=domain, check_id=check_result.check_id, result=check_result, now=at, **kwargs
    )


# Storing observations -------------------------------------------------------------------


def test_an_observation_keeps_the_result_and_its_raw_evidence(domain: Domain) -> None:
    body = GOOD_SECURITY_TXT.encode()
    meta = RetrievedEvidence(
        url_chain=("http://alpha.example/.well-known/security.txt", SECURITY_TXT_URL),
        http_status=200,
        body=body,
    )
    check_result = result(Status.WARN, check_id="security-txt", recommendations=("not_signed",))

    observation = record(domain, check_result, T0, retrieved_meta=meta)

    observation.refresh_from_db()
    assert observation.organisation == domain.organisation
    assert observation.domain_name == "alpha.example"
    assert observation.status == "warn"
    assert observation.check_version == "1"
    assert observation.codes == ["not_signed"]
    assert observation.result == check_result.as_dict()
    assert observation.url_chain == [
        "http://alpha.example/.well-known/security.txt",
        SECURITY_TXT_URL,
    ]
    assert observation.http_status == 200
    assert observation.content_sha256 == hashlib.sha256(body).hexdigest()
    assert observation.raw_body == body
    assert not observation.raw_body_truncated
    verdict = CurrentVerdict.objects.get(domain=domain, check_id="security-txt")
    assert (verdict.status, verdict.since, verdict.observation) == ("warn", T0, observation)
    assert not VerdictChange.objects.exists()  # a first verdict is not a change


def test_a_different_status_is_a_verdict_change_with_an_audit_event(domain: Domain) -> None:
    first = record(domain, result(Status.PASS), T0)
    later = T0 + timedelta(days=1)

    second = record(domain, result(Status.FAIL, errors=("expired",)), later)

    change = VerdictChange.objects.get()
    assert (change.from_status, change.to_status) == ("pass", "fail")
    assert (change.observation, change.previous_observation) == (second, first)
    assert change.changed_at == later
    assert change.organisation == domain.organisation
    event = Event.objects.get(tag="evidence:verdict:change")
    assert event.organisation_id == domain.organisation_id
    assert event.data == {
        "domain": "alpha.example",
        "check_id": "security-txt-fresh",
        "from": "pass",
        "to": "fail",
        "codes": ["expired"],
        "observation_id": second.pk,
    }
    verdict = CurrentVerdict.objects.get(domain=domain)
    assert (verdict.status, verdict.since, verdict.observation) == ("fail", later, second)


def test_the_same_status_again_is_no_change(domain: Domain) -> None:
    record(domain, result(Status.PASS), T0)
    latest = record(domain, result(Status.PASS), T0 + timedelta(days=1))

    assert not VerdictChange.objects.exists()
    assert not Event.objects.filter(tag="evidence:verdict:change").exists()
    verdict = CurrentVerdict.objects.get(domain=domain)
    assert (verdict.since, verdict.observation) == (T0, latest)


def test_an_older_observation_stored_late_is_history_not_news(domain: Domain) -> None:
    newest = record(domain, result(Status.PASS), T0)
    record(domain, result(Status.FAIL, errors=("expired",)), T0 - timedelta(days=3))

    assert not VerdictChange.objects.exists()
    assert CurrentVerdict.objects.get(domain=domain).observation == newest


def test_changes_are_per_check_and_per_domain(domain: Domain, org_a: Organisation) -> None:
    other = Domain.objects.create(organisation=org_a, name="alpha.example.net", control="verified")
    record(domain, result(Status.PASS), T0)
    record(other, result(Status.FAIL, errors=("expired",)), T0 + timedelta(hours=1))
    record(domain, result(Status.FAIL, check_id="https-hsts", errors=("no_hsts",)), T0)

    assert not VerdictChange.objects.exists()
    assert CurrentVerdict.objects.count() == 3


def test_a_body_is_stored_once_and_capped(domain: Domain) -> None:
    big = b"A" * (EvidenceBody.MAX_STORED_BYTES + 10)
    first = record(domain, result(Status.PASS), T0, retrieved_meta=RetrievedEvidence(body=big))
    second = record(
        domain,
        result(Status.PASS, check_id="security-txt"),
        T0,
        retrieved_meta=RetrievedEvidence(body=big),
    )

    assert EvidenceBody.objects.count() == 1
    assert first.body_id == second.body_id
    assert first.content_sha256 == hashlib.sha256(big).hexdigest()
    stored = Observation.objects.get(pk=first.pk)
    assert stored.raw_body == big[: EvidenceBody.MAX_STORED_BYTES]
    assert stored.raw_body_truncated


def test_a_body_the_fetcher_cut_short_is_marked_truncated(domain: Domain) -> None:
    meta = RetrievedEvidence(body=b"partial", truncated=True)
    observation = record(
        domain, result(Status.FAIL, errors=("too_large",)), T0, retrieved_meta=meta
    )
    assert observation.raw_body_truncated


def test_details_json_cannot_say_are_stored_as_text(domain: Domain) -> None:
    check_result = result(Status.PASS, details={"expires": T0, "raw": b"x"})
    observation = record(domain, check_result, T0)
    observation.refresh_from_db()
    assert observation.result["details"] == {"expires": "2026-11-27T12:00:00Z", "raw": "b'x'"}


def test_unknown_checks_and_mislabelled_results_are_refused(domain: Domain) -> None:
    with pytest.raises(services.UnknownCheck):
        services.record_observation(
            domain=domain,
            check_id="made-up",
            result=result(Status.PASS, check_id="made-up"),
            now=T0,
        )
    with pytest.raises(ValueError, match="recorded as"):
        services.record_observation(
            domain=domain, check_id="vdp", result=result(Status.PASS), now=T0
        )
    assert not Observation.objects.exists()


def test_observations_outlive_their_domain(domain: Domain) -> None:
    observation = record(domain, result(Status.PASS), T0)
    record(domain, result(Status.FAIL, errors=("expired",)), T0 + timedelta(days=1))

    domain.delete()

    observation.refresh_from_db()
    assert observation.domain is None
    assert observation.domain_name == "alpha.example"
    assert VerdictChange.objects.get().domain_name == "alpha.example"
    assert not CurrentVerdict.objects.exists()


# Scanning a domain ----------------------------------------------------------------------


def test_a_scan_stores_one_observation_per_check_with_its_evidence(
    domain: Domain, site: FakeFetcher
) -> None:
    observations = services.scan_domain(domain_id=domain.pk, fetcher=site, now=T0)

    assert sorted(o.check_id for o in observations) == sorted(CHECKS)
    assert {o.observed_at for o in observations} == {T0}
    by_check = {o.check_id: o for o in observations}
    security_txt = by_check["security-txt"]
    assert security_txt.status == "warn"
    assert security_txt.http_status == 200
    assert security_txt.url_chain == [SECURITY_TXT_URL]
    assert security_txt.raw_body == GOOD_SECURITY_TXT.encode()
    # Checks that read the same file cite the same stored body.
    assert by_check["security-txt-fresh"].body_id == security_txt.body_id
    assert by_check["https-hsts"].status == "pass"
    vdp = by_check["vdp"]
    assert (vdp.status, vdp.http_status) == ("fail", 404)
    assert vdp.url_chain == ["https://alpha.example/disclosure"]
    assert all("alpha.example" in url for url in site.requests)


def test_a_redirect_chain_is_kept(domain: Domain) -> None:
    fetcher = FakeFetcher()
    final = "https://www.alpha.example/.well-known/security.txt"
    fetcher.serve(final, GOOD_SECURITY_TXT, redirected_from=(SECURITY_TXT_URL,))

    observations = services.scan_domain(domain_id=domain.pk, fetcher=fetcher, now=T0)

    security_txt = next(o for o in observations if o.check_id == "security-txt")
    assert security_txt.url_chain == [SECURITY_TXT_URL, final]
    assert security_txt.http_status == 200


def test_a_second_scan_notes_what_changed(domain: Domain, site: FakeFetcher) -> None:
    services.scan_domain(domain_id=domain.pk, fetcher=site, now=T0)
    del site.routes[SECURITY_TXT_URL]  # the file is taken down

    services.scan_domain(domain_id=domain.pk, fetcher=site, now=T0 + timedelta(days=1))

    change = VerdictChange.objects.get(check_id="security-txt")
    assert (change.from_status, change.to_status) == ("warn", "fail")
    assert change.observation.key_codes == ["no_security_txt"]
    assert Event.objects.filter(tag="evidence:verdict:change").count() == (
        VerdictChange.objects.count()
    )


def test_failed_fetches_are_errors_with_the_url_tried(domain: Domain) -> None:
    fetcher = FakeFetcher()
    for url in (SECURITY_TXT_URL, "https://alpha.example/"):
        fetcher.fail(url, "dns_error", "alpha.example does not resolve")

    observations = services.scan_domain(domain_id=domain.pk, fetcher=fetcher, now=T0)

    hsts = next(o for o in observations if o.check_id == "https-hsts")
    assert (hsts.status, hsts.codes) == ("error", ["dns_error"])
    assert hsts.url_chain == ["https://alpha.example/"]
    assert (hsts.http_status, hsts.raw_body, hsts.content_sha256) == (None, None, "")


def test_a_domain_the_checks_cannot_assess_gets_error_observations(
    org_a: Organisation,
) -> None:
    odd = Domain.objects.create(organisation=org_a, name="not a domain", control="verified")

    observations = services.scan_domain(domain_id=odd.pk, fetcher=FakeFetcher(), now=T0)

    assert len(observations) == len(CHECKS)
    assert {(o.status, tuple(o.codes)) for o in observations} == {("error", ("invalid_domain",))}


class HangingFetcher:
    async def get(self, url: str, *, max_bytes: int = 1_048_576) -> FetchOutcome:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


def test_a_scan_past_its_deadline_records_errors(domain: Domain, settings: Any) -> None:
    settings.ACCORD_SCAN_DOMAIN_TIMEOUT = 0.05

    observations = services.scan_domain(domain_id=domain.pk, fetcher=HangingFetcher(), now=T0)

    assert {tuple(o.codes) for o in observations} == {("deadline_exceeded",)}


CONFIGURED: list[FakeFetcher] = []


def configured_fetcher() -> FakeFetcher:
    return CONFIGURED[-1]


def test_without_a_fetcher_the_configured_one_is_used(
    domain: Domain, site: FakeFetcher, settings: Any
) -> None:
    CONFIGURED.append(site)
    settings.ACCORD_SCAN_FETCHER = f"{__name__}.configured_fetcher"

    services.scan_domain(domain_id=domain.pk, now=T0)

    assert SECURITY_TXT_URL in site.requests


def test_the_default_fetcher_is_the_safe_fetcher_with_lab_options(settings: Any) -> None:
    from accord.engine.fetcher import SafeFetcher

    settings.ACCORD_SCAN_CONNECT_TO = ["alpha.example:443:127.0.0.1:8443"]
    fetcher = services.safe_fetcher()
    assert isinstance(fetcher, SafeFetcher)
    asyncio.run(fetcher.aclose())


# Scan runs ------------------------------------------------------------------------------


def test_a_scan_is_queued_once_and_enqueued_on_commit(
    domain: Domain, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        run = services.request_scan(domain=domain, trigger=ScanRun.Trigger.SCHEDULED, now=T0)
        again = services.request_scan(domain=domain, trigger=ScanRun.Trigger.MANUAL, now=T0)

    assert run is not None
    assert again is None
    assert len(callbacks) == 1
    assert ScanRun.objects.get().state == ScanRun.State.QUEUED


def test_a_run_is_carried_out_once(domain: Domain, site: FakeFetcher) -> None:
    run = services.request_scan(domain=domain, trigger=ScanRun.Trigger.SCHEDULED, now=T0)
    assert run is not None

    assert services.run_scan(run_id=run.pk, fetcher=site, now=T0) == len(CHECKS)
    assert services.run_scan(run_id=run.pk, fetcher=site, now=T0) == 0

    run.refresh_from_db()
    assert (run.state, run.started_at, run.finished_at) == (ScanRun.State.DONE, T0, T0)
    assert Observation.objects.filter(scan_run=run).count() == len(CHECKS)
    assert services.run_scan(run_id=run.pk + 1000, fetcher=site) == 0


def test_a_crashed_scan_closes_its_run_as_failed(
    domain: Domain, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(**_kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(scans, "scan_domain", crash)
    run = services.request_scan(domain=domain, trigger=ScanRun.Trigger.SCHEDULED, now=T0)
    assert run is not None

    with pytest.raises(RuntimeError):
        services.run_scan(run_id=run.pk, now=T0)

    run.refresh_from_db()
    assert (run.state, run.error) == (ScanRun.State.FAILED, "RuntimeError: disk full")


def test_a_lost_run_is_abandoned_and_queued_afresh(domain: Domain) -> None:
    lost = services.request_scan(domain=domain, trigger=ScanRun.Trigger.SCHEDULED, now=T0)
    assert lost is not None

    soon = services.request_scan(
        domain=domain, trigger=ScanRun.Trigger.SCHEDULED, now=T0 + timedelta(hours=23)
    )
    late = services.request_scan(
        domain=domain, trigger=ScanRun.Trigger.SCHEDULED, now=T0 + timedelta(hours=25)
    )

    assert soon is None
    assert late is not None
    lost.refresh_from_db()
    assert lost.state == ScanRun.State.ABANDONED
    assert services.run_scan(run_id=lost.pk, fetcher=FakeFetcher()) == 0


# Scheduling -----------------------------------------------------------------------------


def test_every_unscanned_domain_is_queued_once(domain: Domain, org_b: Organisation) -> None:
    Domain.objects.create(organisation=org_b, name="beta.example", control="verified")

    assert services.schedule_due_scans(now=T0) == 2
    assert services.schedule_due_scans(now=T0) == 0
    assert services.schedule_due_scans(now=T0 + timedelta(hours=1)) == 0
    assert ScanRun.objects.filter(trigger=ScanRun.Trigger.SCHEDULED).count() == 2


def test_a_domain_is_scanned_again_once_its_latest_observation_is_older_than_the_interval(
    domain: Domain, site: FakeFetcher
) -> None:
    run = services.request_scan(domain=domain, trigger=ScanRun.Trigger.DOMAIN_ADDED, now=T0)
    assert run is not None
    services.run_scan(run_id=run.pk, fetcher=site, now=T0)

    assert services.schedule_due_scans(now=T0 + timedelta(hours=23)) == 0
    assert services.schedule_due_scans(now=T0 + timedelta(hours=25)) == 1
    assert services.schedule_due_scans(now=T0 + timedelta(hours=25)) == 0


def test_the_interval_is_the_callers(domain: Domain) -> None:
    record(domain, result(Status.PASS), T0)
    hourly = timedelta(hours=1)

    assert services.schedule_due_scans(now=T0 + timedelta(minutes=30), interval=hourly) == 0
    assert services.schedule_due_scans(now=T0 + timedelta(minutes=61), interval=hourly) == 1


def test_a_failed_scan_waits_for_the_next_interval(domain: Domain) -> None:
    run = services.request_scan(domain=domain, trigger=ScanRun.Trigger.SCHEDULED, now=T0)
    assert run is not None
    ScanRun.objects.filter(pk=run.pk).update(state=ScanRun.State.FAILED, finished_at=T0)

    assert services.schedule_due_scans(now=T0 + timedelta(minutes=5)) == 0
    assert services.schedule_due_scans(now=T0 + timedelta(days=1, minutes=1)) == 1


def test_a_run_lost_by_its_worker_is_requeued_after_the_interval(domain: Domain) -> None:
    assert services.schedule_due_scans(now=T0) == 1
    ScanRun.objects.update(state=ScanRun.State.RUNNING, started_at=T0)  # and then it died

    assert services.schedule_due_scans(now=T0 + timedelta(hours=12)) == 0
    assert services.schedule_due_scans(now=T0 + timedelta(days=1, minutes=1)) == 1
    assert list(ScanRun.objects.order_by("pk").values_list("state", flat=True)) == [
        ScanRun.State.ABANDONED,
        ScanRun.State.QUEUED,
    ]


def test_one_call_queues_at_most_its_limit(org_a: Organisation) -> None:
    for n in range(5):
        Domain.objects.create(organisation=org_a, name=f"d{n}.example", control="verified")

    assert services.schedule_due_scans(now=T0, limit=3) == 3
    assert services.schedule_due_scans(now=T0, limit=3) == 2


# Scans people ask for -------------------------------------------------------------------


def test_an_org_admin_can_ask_for_a_scan_now(alice: User, domain: Domain) -> None:
    run = services.request_manual_scan(domain=domain, actor=alice, now=T0)

    assert run.trigger == ScanRun.Trigger.MANUAL
    event = Event.objects.get(tag="evidence:scan:request")
    assert (event.actor, event.organisation_id) == (alice, domain.organisation_id)


def test_others_cannot_ask_for_a_scan(
    bob: User, make_user: Any, org_a: Organisation, domain: Domain
) -> None:
    member = make_user("member@alpha.example")
    Membership.objects.create(user=member, organisation=org_a, role=Membership.Role.MEMBER)

    for actor in (bob, member, None):
        with pytest.raises(services.NotAllowed):
            services.request_manual_scan(domain=domain, actor=actor, now=T0)
    assert not ScanRun.objects.exists()


def test_asking_again_right_away_is_refused(alice: User, domain: Domain, site: FakeFetcher) -> None:
    run = services.request_manual_scan(domain=domain, actor=alice, now=T0)
    with pytest.raises(services.EvidenceError, match=r"already queued|few minutes"):
        services.request_manual_scan(domain=domain, actor=alice, now=T0 + timedelta(minutes=1))
    services.run_scan(run_id=run.pk, fetcher=site, now=T0)

    with pytest.raises(services.EvidenceError, match="few minutes"):
        services.request_manual_scan(domain=domain, actor=alice, now=T0 + timedelta(minutes=2))
    assert services.request_manual_scan(domain=domain, actor=alice, now=T0 + timedelta(minutes=6))


# The audit trail of observations and scan runs ----------------------------------------


def audit(prefix: str) -> list[Event]:
    return list(Event.objects.filter(tag__startswith=prefix).order_by("seq"))


def test_every_observation_is_in_the_audit_chain_with_its_evidence(domain: Domain) -> None:
    first = record(domain, result(Status.FAIL, errors=("no_contact",)), T0)
    second = record(domain, result(Status.FAIL, errors=("no_contact",)), T0 + timedelta(days=1))

    events = audit("evidence:observation:")
    assert [(e.tag, e.object_id) for e in events] == [
        ("evidence:observation:record", str(first.pk)),
        ("evidence:observation:record", str(second.pk)),
    ]
    assert events[0].organisation_id == domain.organisation_id
    assert events[0].actor_label == "system"
    assert events[0].data == {
        "domain": "alpha.example",
        "check_id": "security-txt-fresh",
        "verdict": "fail",
        "observation_id": first.pk,
        "sha256": "",
    }
    assert not audit("evidence:verdict:")  # the first verdict is recorded, not a change


def test_an_observations_event_names_the_digest_of_its_body(domain: Domain) -> None:
    body = GOOD_SECURITY_TXT.encode()
    meta = RetrievedEvidence(url_chain=(SECURITY_TXT_URL,), http_status=200, body=body)
    observation = record(domain, result(Status.PASS), T0, retrieved_meta=meta)

    [event] = audit("evidence:observation:record")
    assert event.data["sha256"] == hashlib.sha256(body).hexdigest() == observation.content_sha256


def test_a_scan_run_records_each_state_it_enters(domain: Domain, site: FakeFetcher) -> None:
    run = services.request_scan(domain=domain, trigger=ScanRun.Trigger.SCHEDULED, now=T0)
    assert run is not None
    stored = services.run_scan(run_id=run.pk, fetcher=site, now=T0)

    events = audit("evidence:scan:")
    assert [e.tag for e in events] == [
        "evidence:scan:queue",
        "evidence:scan:start",
        "evidence:scan:finish",
    ]
    assert {(e.object_type, e.object_id, e.organisation_id) for e in events} == {
        ("evidence.scanrun", str(run.pk), domain.organisation_id)
    }
    base = {"domain": "alpha.example", "trigger": "scheduled"}
    assert [e.data for e in events] == [
        {**base, "state": "queued"},
        {**base, "state": "running"},
        {**base, "state": "done", "observations": stored},
    ]
    assert len(audit("evidence:observation:record")) == stored == len(CHECKS)


def broken_fetcher() -> Any:
    """A scan fetcher that cannot be made: the instance is misconfigured."""
    raise RuntimeError("no route to the scanning proxy")


def test_a_failed_scan_run_records_its_error(domain: Domain, settings: Any) -> None:
    settings.ACCORD_SCAN_FETCHER = f"{__name__}.broken_fetcher"
    run = services.request_scan(domain=domain, trigger=ScanRun.Trigger.MANUAL, now=T0)
    assert run is not None
    with pytest.raises(RuntimeError):
        services.run_scan(run_id=run.pk, now=T0)

    [event] = audit("evidence:scan:fail")
    assert (event.object_id, event.organisation_id) == (str(run.pk), domain.organisation_id)
    assert event.data == {
        "domain": "alpha.example",
        "trigger": "manual",
        "state": "failed",
        "error": "RuntimeError: no route to the scanning proxy",
    }
    assert not audit("evidence:scan:finish")


def test_a_run_delivered_twice_records_its_start_once(domain: Domain, site: FakeFetcher) -> None:
    run = services.request_scan(domain=domain, trigger=ScanRun.Trigger.SCHEDULED, now=T0)
    assert run is not None
    services.run_scan(run_id=run.pk, fetcher=site, now=T0)
    services.run_scan(run_id=run.pk, fetcher=site, now=T0)

    assert len(audit("evidence:scan:start")) == len(audit("evidence:scan:finish")) == 1


def test_an_abandoned_run_and_its_replacement_are_recorded(domain: Domain) -> None:
    lost = services.request_scan(domain=domain, trigger=ScanRun.Trigger.SCHEDULED, now=T0)
    late = services.request_scan(
        domain=domain, trigger=ScanRun.Trigger.SCHEDULED, now=T0 + timedelta(hours=25)
    )
    assert lost is not None
    assert late is not None

    events = audit("evidence:scan:")
    assert [(e.tag, e.object_id) for e in events] == [
        ("evidence:scan:queue", str(lost.pk)),
        ("evidence:scan:abandon", str(lost.pk)),
        ("evidence:scan:queue", str(late.pk)),
    ]
    assert events[1].data == {
        "domain": "alpha.example",
        "trigger": "scheduled",
        "state": "abandoned",
        "error": "no result in time; re-queued",
    }


def test_scans_the_scheduler_queues_are_recorded_per_domain(
    domain: Domain, org_b: Organisation
) -> None:
    beta = Domain.objects.create(organisation=org_b, name="beta.example", control="verified")
    services.schedule_due_scans(now=T0)

    events = audit("evidence:scan:queue")
    assert sorted((e.organisation_id, e.data["domain"], e.data["trigger"]) for e in events) == [
        (domain.organisation_id, "alpha.example", "scheduled"),
        (beta.organisation_id, "beta.example", "scheduled"),
    ]
    assert {e.actor_label for e in events} == {"system"}
    services.schedule_due_scans(now=T0)
    assert len(audit("evidence:scan:queue")) == 2  # nothing queued, nothing recorded


def test_a_manual_scan_records_the_request_and_the_queued_run(alice: User, domain: Domain) -> None:
    run = services.request_manual_scan(domain=domain, actor=alice, now=T0)

    assert [(e.tag, e.object_id) for e in audit("evidence:scan:")] == [
        ("evidence:scan:queue", str(run.pk)),
        ("evidence:scan:request", str(run.pk)),
    ]
