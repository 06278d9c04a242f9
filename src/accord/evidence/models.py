"""What the evidence engine saw: observations with their raw evidence, the current verdict
of each check on each domain, the changes of verdict, and the scan runs that produce them.

An observation outlives its domain (the domain link is cleared, its name is kept), so an
organisation's history stays whole when it drops a domain.
"""

from __future__ import annotations

import json
import secrets

from django.db import models
from django.db.models import Q
from django.utils import timezone

from accord.engine import registry
from accord.engine.control import challenge_name, challenge_url
from accord.evidence.rules import DomainQuerySet, ObservationQuerySet


def check_title(check_id: str) -> str:
    return registry.check_title(check_id)


def new_challenge_token() -> str:
    """A random token for one claim on a domain: URL- and DNS-safe, 32 characters."""
    return secrets.token_urlsafe(24)


class Control(models.TextChoices):
    """Whether an organisation has proven that it controls a domain it registered.

    Only `verified` and `demo` domains count as evidence; at most one organisation holds
    either on a name at a time (`evidence_one_verified_claim_per_name`).
    """

    UNVERIFIED = "unverified", "Not verified yet"
    VERIFIED = "verified", "Verified"
    # Its proof passed while another organisation held a verified claim: a dispute.
    CONTESTED = "contested", "Contested"
    # It was verified, and then failed every check for longer than the grace period.
    LAPSED = "lapsed", "Lapsed"
    # The secretariat awarded the name to another organisation.
    REVOKED = "revoked", "Awarded to another organisation"
    # A demo organisation's fictional domain: counts for the demo's made-up figures.
    DEMO = "demo", "Demo"


COUNTING = (Control.VERIFIED, Control.DEMO)


class Domain(models.Model):
    """A domain name an organisation registers as its own, for evidence checks.

    Registering is a claim; the domain counts as evidence only once the organisation
    proves control (`control`), with the claim's own `challenge_token` in DNS or in a
    well-known file, and only while a check of it keeps passing.
    """

    class Method(models.TextChoices):
        DNS = "dns", "a DNS TXT record"
        FILE = "file", "the well-known file"
        AWARD = "award", "the secretariat's award"
        DEMO = "demo", "demo data"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="domains"
    )
    name = models.CharField(max_length=253)
    added_at = models.DateTimeField(default=timezone.now)
    control = models.CharField(max_length=12, choices=Control.choices, default=Control.UNVERIFIED)
    control_since = models.DateTimeField(default=timezone.now)
    challenge_token = models.CharField(max_length=64, default=new_challenge_token)
    verified_at = models.DateTimeField(
        null=True, blank=True, help_text="When control was last proven by a passing check"
    )
    verified_by = models.CharField(max_length=10, choices=Method.choices, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    check_found = models.CharField(
        max_length=1000, blank=True, help_text="What the latest check of control found"
    )
    failing_since = models.DateTimeField(
        null=True, blank=True, help_text="First failed check of a verified domain in a row"
    )
    failed_checks = models.PositiveIntegerField(default=0)
    recheck_queued_at = models.DateTimeField(null=True, blank=True)

    objects = DomainQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="unique_domain_per_org"),
            # Two organisations never both hold a claim that counts on one name.
            models.UniqueConstraint(
                fields=["name"],
                condition=Q(control__in=["verified", "demo"]),
                name="evidence_one_verified_claim_per_name",
            ),
        ]
        indexes = [models.Index(fields=["control", "name"], name="evidence_domain_control_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def counts(self) -> bool:
        """Whether the domain's observations count as the organisation's evidence."""
        return self.control in COUNTING

    @property
    def is_demo(self) -> bool:
        return self.control == Control.DEMO

    @property
    def challenge_name(self) -> str:
        return challenge_name(self.name)

    @property
    def challenge_url(self) -> str:
        return challenge_url(self.name, self.challenge_token)


class Verdict(models.TextChoices):
    """A check's verdict; the same values as `accord.engine.types.Status`."""

    PASS = "pass", "Pass"
    WARN = "warn", "Warning"
    FAIL = "fail", "Fail"
    ERROR = "error", "Error"


class ScanRun(models.Model):
    """One requested scan of one domain, from the request to the stored observations.

    At most one run per domain is open (queued or running), which is what keeps a
    scheduler, however many run at once, from queueing a domain twice.
    """

    class Trigger(models.TextChoices):
        DOMAIN_ADDED = "domain_added", "Domain registered"
        DOMAIN_VERIFIED = "domain_verified", "Control of the domain proven"
        SCHEDULED = "scheduled", "Scheduled"
        MANUAL = "manual", "Requested by a person"

    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        ABANDONED = "abandoned", "Abandoned"

    OPEN_STATES = (State.QUEUED, State.RUNNING)

    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="scan_runs")
    trigger = models.CharField(max_length=20, choices=Trigger.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    requested_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        indexes = [models.Index(fields=["domain", "-requested_at"], name="evidence_run_domain_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["domain"],
                condition=Q(state__in=["queued", "running"]),
                name="evidence_one_open_run_per_domain",
            )
        ]

    def __str__(self) -> str:
        return (
            f"scan of {self.domain_id} requested {self.requested_at:%Y-%m-%d %H:%M} ({self.state})"
        )


class EvidenceBody(models.Model):
    """A fetched body, stored once however many observations cite it.

    Keyed by the SHA-256 of the body as fetched; `content` keeps its first
    `MAX_STORED_BYTES` bytes. Checks that share a fetch, and daily scans of a file that
    has not changed, point at one row.
    """

    MAX_STORED_BYTES = 65_536

    sha256 = models.CharField(max_length=64, unique=True)
    content = models.BinaryField()
    size = models.PositiveIntegerField(help_text="Length of the body as fetched, in bytes")

    def __str__(self) -> str:
        return f"{self.sha256[:12]}… ({self.size} bytes)"

    @property
    def truncated(self) -> bool:
        return len(self.content) < self.size


class Observation(models.Model):
    """One check's verdict on one domain at one moment, with the evidence behind it.

    `result` is `CheckResult.as_dict()`; `codes` lists every finding code in it (errors,
    then recommendations, then notifications). The fetch behind the result, when the
    check made one, gives `url_chain` (each URL that redirected, then the final one),
    `http_status`, `content_sha256` and the body.

    A `platform` observation comes from the platform's own records rather than a scan
    (`accord.engine.registry.PLATFORM_CHECKS`): it has no domain and no fetch, and it
    counts for its organisation as it stands, with no proof of control to give.
    """

    class Source(models.TextChoices):
        SCAN = "scan", "Scan of a domain"
        PLATFORM = "platform", "The platform's own records"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="observations"
    )
    domain = models.ForeignKey(
        Domain, on_delete=models.SET_NULL, null=True, blank=True, related_name="observations"
    )
    domain_name = models.CharField(max_length=253, help_text="Kept when the domain is removed")
    check_id = models.CharField(max_length=60)
    check_version = models.CharField(max_length=20)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.SCAN)
    observed_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Verdict.choices)
    codes = models.JSONField(default=list)
    result = models.JSONField(default=dict)
    url_chain = models.JSONField(default=list)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    content_sha256 = models.CharField(max_length=64, blank=True)
    body = models.ForeignKey(
        EvidenceBody, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    fetch_truncated = models.BooleanField(
        default=False, help_text="The site sent more than the check's size limit"
    )
    scan_run = models.ForeignKey(
        ScanRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="observations"
    )

    objects = ObservationQuerySet.as_manager()

    class Meta:
        ordering = ["-observed_at", "-id"]
        indexes = [
            # The history of one check on one domain, newest first.
            models.Index(
                fields=["domain", "check_id", "-observed_at"], name="evidence_obs_latest_idx"
            ),
            models.Index(fields=["organisation", "-observed_at"], name="evidence_obs_org_idx"),
            models.Index(
                fields=["check_id", "organisation", "-observed_at"],
                condition=Q(source="platform"),
                name="evidence_obs_platform_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.check_id} on {self.domain_name}: {self.status} at {self.observed_at}"

    @property
    def check_title(self) -> str:
        return check_title(self.check_id)

    @property
    def is_platform(self) -> bool:
        return self.source == self.Source.PLATFORM

    @property
    def subject(self) -> str:
        """What was observed, for people: the domain, or the platform's own records."""
        return "the platform's records" if self.is_platform else self.domain_name

    @property
    def key_codes(self) -> list[str]:
        """The codes that explain the verdict: the errors, else the recommendations."""
        for kind in ("errors", "recommendations"):
            codes = [str(finding.get("code")) for finding in self.result.get(kind) or []]
            if codes:
                return list(dict.fromkeys(codes))
        return []

    @property
    def raw_body(self) -> bytes | None:
        return bytes(self.body.content) if self.body is not None else None

    @property
    def raw_body_text(self) -> str | None:
        """The stored body as text, for reading; bytes that are not UTF-8 show as U+FFFD."""
        raw = self.raw_body
        return raw.decode("utf-8", errors="replace") if raw is not None else None

    @property
    def raw_body_truncated(self) -> bool:
        """Whether the stored body is less than the whole document."""
        return self.fetch_truncated or (self.body is not None and self.body.truncated)

    @property
    def details_json(self) -> str:
        return json.dumps(self.result.get("details") or {}, indent=2, ensure_ascii=False)


class CurrentVerdict(models.Model):
    """The latest observation of one check on one domain, and since when its status holds."""

    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="verdicts")
    check_id = models.CharField(max_length=60)
    status = models.CharField(max_length=10, choices=Verdict.choices)
    since = models.DateTimeField(help_text="The first observation with this status in a row")
    observation = models.ForeignKey(Observation, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["domain", "check_id"], name="evidence_one_verdict_per_check"
            )
        ]

    def __str__(self) -> str:
        return f"{self.check_id} on {self.domain_id}: {self.status}"


class VerdictChange(models.Model):
    """A check's verdict on a domain differed from the one observed before it."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="verdict_changes"
    )
    domain = models.ForeignKey(
        Domain, on_delete=models.SET_NULL, null=True, blank=True, related_name="verdict_changes"
    )
    domain_name = models.CharField(max_length=253)
    check_id = models.CharField(max_length=60)
    from_status = models.CharField(max_length=10, choices=Verdict.choices)
    to_status = models.CharField(max_length=10, choices=Verdict.choices)
    observation = models.ForeignKey(
        Observation, on_delete=models.CASCADE, related_name="verdict_changes"
    )
    previous_observation = models.ForeignKey(
        Observation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "-changed_at"], name="evidence_change_org_idx"),
            models.Index(fields=["domain", "-changed_at"], name="evidence_change_domain_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.check_id} on {self.domain_name}: {self.from_status} -> {self.to_status}"

    @property
    def check_title(self) -> str:
        return check_title(self.check_id)
