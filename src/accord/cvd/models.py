"""Coordinated vulnerability disclosure: reports, cases, their participants,
vulnerabilities, vendor statements, the embargo, the discussion and the timeline.

Who sees what is written once, in `accord.cvd.rules`; the managers below are its
querysets. Other apps' models are named here only in foreign keys.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accord.cvd import rules, states


class Tlp(models.TextChoices):
    """TLP 2.0 (FIRST): how far what the case holds may travel."""

    CLEAR = "clear", "TLP:CLEAR"
    GREEN = "green", "TLP:GREEN"
    AMBER = "amber", "TLP:AMBER"
    AMBER_STRICT = "amber+strict", "TLP:AMBER+STRICT"
    RED = "red", "TLP:RED"


class Coordinator(models.Model):
    """A member organisation the secretariat lets act as coordinator: it triages the
    reports sent to it and leads the cases it opens. The secretariat always may."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"coordinator {self.organisation_id}"


class Decision(models.Model):
    """One SSVC decision: the decision table it was taken with (id and version, and the
    library's version), each input by its decision point's id, and the outcome."""

    table_id = models.CharField(max_length=120, help_text="ssvc:Coordinator Triage:1.0.0")
    table_version = models.CharField(max_length=20)
    library_version = models.CharField(max_length=40)
    inputs = models.JSONField(default=dict, help_text="decision point id -> value key")
    outcome = models.CharField(max_length=40, help_text="The outcome value's key")
    outcome_name = models.CharField(max_length=80)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.table_id}: {self.outcome_name}"


class Report(models.Model):
    """A vulnerability report as the reporter sent it. Never deleted: a rejected report
    keeps its text, its state and the reason."""

    class State(models.TextChoices):
        RECEIVED = states.REPORT_RECEIVED, "Received, awaiting triage"
        TRACKED = states.REPORT_TRACKED, "Tracked"
        REJECTED = states.REPORT_REJECTED, "Rejected"
        COORDINATED = states.REPORT_COORDINATED, "Coordinated in a case"

    reference = models.CharField(max_length=20, unique=True, help_text="R-YYYY-NNNN")
    title = models.CharField(max_length=200)
    description = models.TextField()
    product = models.CharField(max_length=200, blank=True, help_text="As the reporter names it")
    # None: the instance's own queue, which the secretariat triages.
    coordinator = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reporter_name = models.CharField(max_length=200, blank=True)
    reporter_email = models.EmailField(blank=True)
    # The reporter's choice: may the vendors learn who reported?
    identity_disclosed = models.BooleanField(default=False)
    # A separate choice: may the published advisory (public) credit them by name?
    credit_publicly = models.BooleanField(default=False)
    state = models.CharField(max_length=12, choices=State.choices, default=State.RECEIVED)
    reason = models.TextField(blank=True, help_text="Why it was rejected")
    triage = models.OneToOneField(
        Decision, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    triaged_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    submitted_from = models.GenericIPAddressField(null=True, blank=True)
    # The follow-up link of a reporter without an account: `<key>.<secret>`, the secret
    # stored only as its digest (`accounts.capabilities`). Revoked: the link is dead.
    followup_key = models.CharField(max_length=16, unique=True, null=True, blank=True)
    followup_digest = models.CharField(max_length=64, blank=True)
    followup_revoked_at = models.DateTimeField(null=True, blank=True)

    objects = rules.ReportQuerySet.as_manager()

    class Meta:
        ordering = ("-received_at", "-id")
        indexes = [
            models.Index(fields=("state", "received_at")),
            models.Index(fields=("reporter_email", "received_at")),
            models.Index(fields=("submitted_from", "received_at")),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class ReportMessage(models.Model):
    """A follow-up message on a report, between its reporter and its coordinator: from
    the reporter (by account or through the private follow-up link) or to them."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_reporter = models.BooleanField()
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"message {self.pk} on {self.report_id}"


class Case(models.Model):
    """A coordinated disclosure among several parties, `ACC-YYYY-NNNN`.

    The embargo state is the case's, shared by every participant (Vultron EM); the
    report-management state is each participant's own.
    """

    class EmbargoState(models.TextChoices):
        NONE = states.EM_NONE, "None"
        PROPOSED = states.EM_PROPOSED, "Proposed"
        ACTIVE = states.EM_ACTIVE, "Active"
        REVISE = states.EM_REVISE, "Active, revision proposed"
        EXITED = states.EM_EXITED, "Exited"

    reference = models.CharField(max_length=20, unique=True)
    year = models.PositiveSmallIntegerField()
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    tlp = models.CharField(max_length=12, choices=Tlp.choices, default=Tlp.AMBER)
    # The lead coordinator's organisation; None: the secretariat coordinates.
    coordinator = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    report = models.ForeignKey(
        Report, on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    embargo_state = models.CharField(
        max_length=10, choices=EmbargoState.choices, default=EmbargoState.NONE
    )
    embargo_ends_at = models.DateTimeField(null=True, blank=True)
    embargo_exited_at = models.DateTimeField(null=True, blank=True)
    embargo_exit_reason = models.TextField(blank=True)
    # The lead's choice: publish the advisory by itself when the embargo ends on its date.
    publish_at_embargo_end = models.BooleanField(default=False)

    objects = rules.CaseQuerySet.as_manager()

    class Meta:
        ordering = ("-opened_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=("year", "number"), name="cvd_case_number_once")
        ]
        indexes = [models.Index(fields=("embargo_state", "embargo_ends_at"))]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class Counter(models.Model):
    """The last number given in a year to cases (`ACC-YYYY-NNNN`) or reports
    (`R-YYYY-NNNN`), taken under a row lock."""

    kind = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=("kind", "year"), name="cvd_counter_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.year}: {self.last}"


class Participant(models.Model):
    """A party to a case, with its role and its own report-management state.

    An organisation takes part through its members; a person without one (a reporter,
    an invited vendor's contact) through `user`. `tracking_id` is the vendor's own id
    for the case, shown to it and carried in every message to it.
    """

    class Role(models.TextChoices):
        COORDINATOR = "coordinator", "Coordinator"
        VENDOR = "vendor", "Vendor"
        REPORTER = "reporter", "Reporter"
        OTHER_COORDINATOR = "other_coordinator", "Other coordinator"
        OBSERVER = "observer", "Observer"

    class RmState(models.TextChoices):
        RECEIVED = states.RECEIVED, "Received"
        INVALID = states.INVALID, "Invalid"
        VALID = states.VALID, "Valid"
        ACCEPTED = states.ACCEPTED, "Accepted"
        DEFERRED = states.DEFERRED, "Deferred"
        CLOSED = states.CLOSED, "Closed"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="participants")
    role = models.CharField(max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=200, help_text="Shown on the case")
    email = models.EmailField(blank=True, help_text="Where an invited party is reached")
    rm_state = models.CharField(max_length=10, choices=RmState.choices, default=RmState.RECEIVED)
    rm_changed_at = models.DateTimeField(default=timezone.now)
    tracking_id = models.CharField(max_length=100, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)
    # The newest timeline entry this party was told of: the next message says what
    # changed after it.
    notified_through = models.PositiveBigIntegerField(default=0)
    removed_at = models.DateTimeField(null=True, blank=True)

    objects = rules.ParticipantQuerySet.as_manager()

    class Meta:
        ordering = ("case", "role", "name", "id")
        constraints = [
            models.UniqueConstraint(
                fields=("case", "organisation", "role"),
                condition=Q(organisation__isnull=False),
                name="cvd_participant_organisation_once",
            ),
            models.CheckConstraint(
                condition=Q(organisation__isnull=False) | Q(user__isnull=False) | ~Q(email=""),
                name="cvd_participant_is_someone",
            ),
        ]
        indexes = [models.Index(fields=("case", "role"))]

    def __str__(self) -> str:
        return f"{self.name} ({self.role}) in {self.case_id}"


class ParticipantInvitation(models.Model):
    """An emailed offer to a vendor outside the coalition: following it gives an account
    that sees this one participant's part of this one case, nothing else."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    key = models.CharField(max_length=16, unique=True)
    digest = models.CharField(max_length=64)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = rules.ParticipantInvitationQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"invitation of {self.email} to participant {self.participant_id}"


class Vulnerability(models.Model):
    """One flaw in a case: CWE ids, a CVSS 3.1 or 4.0 vector scored by the `cvss`
    library, and optionally an SSVC supplier or deployer decision."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="vulnerabilities")
    number = models.PositiveSmallIntegerField(help_text="V1, V2, ... within the case")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    cwe_ids = models.JSONField(default=list, help_text="CWE numbers, e.g. [79, 89]")
    cvss_vector = models.CharField(max_length=300, blank=True)
    cvss_version = models.CharField(max_length=3, blank=True, help_text="3.1 or 4.0")
    cvss_score = models.DecimalField(max_digits=3, decimal_places=1, null=True, blank=True)
    cvss_severity = models.CharField(max_length=10, blank=True)
    ssvc = models.ForeignKey(
        Decision, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cve_id = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = rules.VulnerabilityQuerySet.as_manager()

    class Meta:
        ordering = ("case", "number")
        constraints = [
            models.UniqueConstraint(fields=("case", "number"), name="cvd_vulnerability_number_once")
        ]

    def __str__(self) -> str:
        return f"V{self.number} {self.title}"


class AffectedProduct(models.Model):
    """A product a vulnerability touches: a package URL or a CPE 2.3 name, and the
    affected versions as a vers range. The parsed parts are kept for matching vendors."""

    vulnerability = models.ForeignKey(
        Vulnerability, on_delete=models.CASCADE, related_name="products"
    )
    purl = models.CharField(max_length=500, blank=True)
    cpe = models.CharField(max_length=500, blank=True)
    versions = models.CharField(max_length=500, blank=True, help_text="vers:<scheme>/<range>")
    # From the purl: type, namespace and name; from the CPE: vendor and product.
    purl_type = models.CharField(max_length=40, blank=True)
    purl_namespace = models.CharField(max_length=200, blank=True)
    purl_name = models.CharField(max_length=200, blank=True)
    cpe_vendor = models.CharField(max_length=200, blank=True)
    cpe_product = models.CharField(max_length=200, blank=True)

    objects = rules.AffectedProductQuerySet.as_manager()

    class Meta:
        ordering = ("vulnerability", "id")
        constraints = [
            models.CheckConstraint(
                condition=~Q(purl="") | ~Q(cpe=""), name="cvd_product_named_by_purl_or_cpe"
            )
        ]

    def __str__(self) -> str:
        return self.purl or self.cpe

    @property
    def label(self) -> str:
        return self.purl or self.cpe


class VendorProduct(models.Model):
    """A product an organisation declares it makes, so cases find it: a purl type,
    namespace and name (the name blank for the whole namespace), or a CPE vendor and
    product (the product blank for every product of the vendor)."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    purl_type = models.CharField(max_length=40, blank=True)
    purl_namespace = models.CharField(max_length=200, blank=True)
    purl_name = models.CharField(max_length=200, blank=True)
    cpe_vendor = models.CharField(max_length=200, blank=True)
    cpe_product = models.CharField(max_length=200, blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    declared_at = models.DateTimeField(default=timezone.now)

    objects = rules.VendorProductQuerySet.as_manager()

    class Meta:
        ordering = ("organisation", "purl_type", "purl_namespace", "purl_name", "cpe_vendor")
        constraints = [
            models.CheckConstraint(
                condition=~Q(purl_type="") | ~Q(cpe_vendor=""),
                name="cvd_vendor_product_by_purl_or_cpe",
            )
        ]
        indexes = [
            models.Index(fields=("purl_type", "purl_namespace")),
            models.Index(fields=("cpe_vendor",)),
        ]

    def __str__(self) -> str:
        if self.purl_type:
            return f"pkg:{self.purl_type}/{self.purl_namespace}/{self.purl_name or '*'}"
        return f"cpe:{self.cpe_vendor}:{self.cpe_product or '*'}"


class SecurityContact(models.Model):
    """The security contact an organisation registered in Accord: used when its
    security.txt gives no valid mailto: contact. The key, if given, encrypts mail."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    email = models.EmailField()
    openpgp_key = models.TextField(blank=True, help_text="ASCII-armoured public key")
    fingerprint = models.CharField(max_length=64, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.email


class ContactKey(models.Model):
    """An OpenPGP key fetched from a security.txt `Encryption` URI, kept by its URI so
    each message does not fetch it again; fetched anew once `STALE` old."""

    uri = models.CharField(max_length=500, unique=True)
    fingerprint = models.CharField(max_length=64, blank=True)
    openpgp_key = models.TextField(blank=True)
    problem = models.CharField(max_length=300, blank=True, help_text="Why no key could be used")
    fetched_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.uri}: {self.fingerprint or self.problem}"


class Delivery(models.Model):
    """One message to one participant's contact: where it went, found how, encrypted to
    which key, and the outbox message carrying it (whose state is the delivery's)."""

    class Source(models.TextChoices):
        SECURITY_TXT = "security_txt", "security.txt (verified)"
        REGISTERED = "registered", "Registered in Accord"
        INVITED = "invited", "Invitation address"
        ACCOUNT = "account", "Account email"
        NONE = "none", "No contact found"
        # Written with the notice, before its task looks the contact up and sends it.
        PENDING = "pending", "Not looked up yet"

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="deliveries"
    )
    address = models.EmailField(blank=True, help_text="Blank: no contact was found")
    source = models.CharField(max_length=20, choices=Source.choices)
    fingerprint = models.CharField(max_length=64, blank=True, help_text="Encrypted to this key")
    # Why the message went unencrypted, or was held, or could not go at all.
    problem = models.CharField(max_length=300, blank=True)
    # Not sent: the case's TLP lets it travel only encrypted, and no key could be used.
    held = models.BooleanField(default=False)
    message = models.ForeignKey(
        "notifications.Message", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    through = models.PositiveBigIntegerField(help_text="The newest timeline entry it told of")
    created_at = models.DateTimeField(default=timezone.now)

    objects = rules.DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"to {self.address} for participant {self.participant_id}"


class EmbargoProposal(models.Model):
    """A proposed end of the embargo, in UTC, which each participant accepts or
    rejects; the coordinator adopts one (the embargo is then active until it)."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        ADOPTED = "adopted", "Adopted"
        WITHDRAWN = "withdrawn", "Withdrawn"
        SUPERSEDED = "superseded", "Superseded"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="embargo_proposals")
    ends_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    proposed_by_participant = models.ForeignKey(
        Participant, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)

    objects = rules.EmbargoProposalQuerySet.as_manager()

    class Meta:
        ordering = ("-proposed_at", "-id")

    def __str__(self) -> str:
        return f"embargo until {self.ends_at:%Y-%m-%d %H:%M} UTC ({self.state})"


class EmbargoResponse(models.Model):
    """One participant's answer to an embargo proposal."""

    class Answer(models.TextChoices):
        ACCEPT = "accept", "Accepted"
        REJECT = "reject", "Rejected"

    proposal = models.ForeignKey(
        EmbargoProposal, on_delete=models.CASCADE, related_name="responses"
    )
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="+")
    answer = models.CharField(max_length=6, choices=Answer.choices)
    comment = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=("proposal", "participant"), name="cvd_embargo_answer_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.participant_id}: {self.answer}"


class Statement(models.Model):
    """A vendor's statement on one vulnerability, for one affected product (or for the
    vulnerability as a whole): the VEX status, with its justification or fixed version,
    or a dispute with a reason."""

    class Status(models.TextChoices):
        AFFECTED = "affected", "Affected"
        NOT_AFFECTED = "not_affected", "Not affected"
        FIXED = "fixed", "Fixed"
        UNDER_INVESTIGATION = "under_investigation", "Under investigation"
        UNKNOWN = "unknown", "Unknown"

    class Justification(models.TextChoices):
        """The VEX justifications for not affected (CSAF 2.0 flags, OpenVEX)."""

        COMPONENT_NOT_PRESENT = "component_not_present", "Component not present"
        VULNERABLE_CODE_NOT_PRESENT = "vulnerable_code_not_present", "Vulnerable code not present"
        VULNERABLE_CODE_NOT_IN_EXECUTE_PATH = (
            "vulnerable_code_not_in_execute_path",
            "Vulnerable code not in execute path",
        )
        VULNERABLE_CODE_CANNOT_BE_CONTROLLED_BY_ADVERSARY = (
            "vulnerable_code_cannot_be_controlled_by_adversary",
            "Vulnerable code cannot be controlled by adversary",
        )
        INLINE_MITIGATIONS_ALREADY_EXIST = (
            "inline_mitigations_already_exist",
            "Inline mitigations already exist",
        )

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="statements"
    )
    vulnerability = models.ForeignKey(
        Vulnerability, on_delete=models.CASCADE, related_name="statements"
    )
    product = models.ForeignKey(
        AffectedProduct, on_delete=models.CASCADE, null=True, blank=True, related_name="statements"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.UNKNOWN)
    justification = models.CharField(max_length=60, choices=Justification.choices, blank=True)
    fixed_version = models.CharField(max_length=100, blank=True)
    note = models.TextField(blank=True)
    disputed = models.BooleanField(default=False)
    dispute_reason = models.TextField(blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    objects = rules.StatementQuerySet.as_manager()

    class Meta:
        ordering = ("vulnerability", "participant", "product")
        constraints = [
            models.UniqueConstraint(
                fields=("participant", "vulnerability", "product"),
                condition=Q(product__isnull=False),
                name="cvd_statement_per_product_once",
            ),
            models.UniqueConstraint(
                fields=("participant", "vulnerability"),
                condition=Q(product__isnull=True),
                name="cvd_statement_per_vulnerability_once",
            ),
            models.CheckConstraint(
                condition=~Q(status="not_affected") | ~Q(justification=""),
                name="cvd_not_affected_is_justified",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.participant_id} on V{self.vulnerability_id}: {self.status}"


class Thread(models.Model):
    """A discussion in a case: the case's own (every participant but observers, unless
    the coordinator includes them), or a private one between the coordinators and one
    participant."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="threads")
    title = models.CharField(max_length=200)
    # Private: only the coordinators and this participant read it.
    private_with = models.ForeignKey(
        Participant, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    include_observers = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_post_at = models.DateTimeField(default=timezone.now)

    objects = rules.ThreadQuerySet.as_manager()

    class Meta:
        ordering = ("-last_post_at", "-id")

    def __str__(self) -> str:
        return self.title


class Post(models.Model):
    """A message in a thread, in Markdown (rendered and sanitised on display); `parent`
    makes it a reply."""

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    parent = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    author_participant = models.ForeignKey(
        Participant, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)

    objects = rules.PostQuerySet.as_manager()

    class Meta:
        ordering = ("created_at", "id")
        indexes = [models.Index(fields=("thread", "created_at"))]

    def __str__(self) -> str:
        return f"post {self.pk} in thread {self.thread_id}"


class ReadMarker(models.Model):
    """How far a person has read a thread: posts after `read_through` are unread."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="+")
    read_through = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=("user", "thread"), name="cvd_read_marker_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.thread_id} through {self.read_through}"


class Attachment(models.Model):
    """A file sent with a report or a post: capped in size, its type sniffed from the
    bytes, and only ever served as a download."""

    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    post = models.ForeignKey(
        Post, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    objects = rules.AttachmentQuerySet.as_manager()

    class Meta:
        ordering = ("uploaded_at", "id")
        constraints = [
            models.CheckConstraint(
                condition=Q(report__isnull=False, post__isnull=True)
                | Q(report__isnull=True, post__isnull=False),
                name="cvd_attachment_of_report_or_post",
            )
        ]

    def __str__(self) -> str:
        return self.filename


class CaseEvent(models.Model):
    """One entry of a case's timeline, written beside the audit event it mirrors
    (`audit_seq`). `audience` says who reads it: everyone in the case, the coordinators
    only, or the coordinators and one participant (`private_with`)."""

    class Audience(models.TextChoices):
        CASE = "case", "Everyone in the case"
        COORDINATORS = "coordinators", "Coordinators"
        PRIVATE = "private", "Coordinators and one participant"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    audit_seq = models.PositiveBigIntegerField()
    tag = models.CharField(max_length=100)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    summary = models.CharField(max_length=500)
    audience = models.CharField(max_length=12, choices=Audience.choices, default=Audience.CASE)
    private_with = models.ForeignKey(
        Participant, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    occurred_at = models.DateTimeField(default=timezone.now)

    objects = rules.CaseEventQuerySet.as_manager()

    class Meta:
        ordering = ("-id",)
        indexes = [models.Index(fields=("case", "id"))]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.summary}"


class Advisory(models.Model):
    """A case's published advisory, in every format, at its current version.

    Published once the coordinator (or the embargo's end) releases it; each later
    publication bumps `version` and adds a revision. A withdrawn advisory stays
    published, saying it was withdrawn. Its TLP is the case's at publication: only a
    TLP:CLEAR advisory reaches the public site and the CSAF provider directory.
    """

    class State(models.TextChoices):
        PUBLISHED = "published", "Published"
        WITHDRAWN = "withdrawn", "Withdrawn"

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="advisory")
    tracking_id = models.CharField(max_length=40, unique=True, help_text="The case reference")
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    tlp = models.CharField(max_length=12, choices=Tlp.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PUBLISHED)
    version = models.PositiveIntegerField(default=1)
    initial_release_at = models.DateTimeField()
    current_release_at = models.DateTimeField()
    # Format key (cve, csaf, csaf-vex, openvex) -> the document of the current version.
    documents = models.JSONField(default=dict)
    cve_ids = models.JSONField(default=list, help_text="The CVE ids it publishes")
    # The snapshot of the current version, as plain JSON: what its public page shows, so
    # the page says what was published, not what the case says since.
    snapshot = models.JSONField(default=dict)

    objects = rules.AdvisoryQuerySet.as_manager()

    class Meta:
        ordering = ("-current_release_at", "-id")
        indexes = [models.Index(fields=("tlp", "current_release_at"))]

    def __str__(self) -> str:
        return f"{self.tracking_id} v{self.version}"


class AdvisoryRevision(models.Model):
    """One version of an advisory, as published: what changed, the documents, and the
    TLP it was published at (a version published at TLP:AMBER is never public, even
    once a later one is TLP:CLEAR)."""

    advisory = models.ForeignKey(Advisory, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    tlp = models.CharField(max_length=12, choices=Tlp.choices)
    summary = models.CharField(max_length=500)
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    documents = models.JSONField(default=dict)

    objects = rules.AdvisoryRevisionQuerySet.as_manager()

    class Meta:
        ordering = ("advisory", "number")
        constraints = [
            models.UniqueConstraint(
                fields=("advisory", "number"), name="cvd_advisory_revision_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.advisory_id} v{self.number}"


class DisclosureMeasure(models.Model):
    """How one vendor fared in one case: when the platform first notified it, and when
    it acknowledged the report (its report state left received), made its first
    statement, stated a fix, and when the case's advisory was published; and whether
    the case's embargo held (None: no embargo, or not over yet).

    Derived from the case's records by `services.measures.refresh_measures`, never
    edited: computing it again from the same records gives the same row.
    """

    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, related_name="measure"
    )
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="measures")
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    notified_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    first_statement_at = models.DateTimeField(null=True, blank=True)
    fixed_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    embargo_held = models.BooleanField(null=True, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    objects = rules.DisclosureMeasureQuerySet.as_manager()

    class Meta:
        ordering = ("case", "participant")
        indexes = [models.Index(fields=("organisation", "notified_at"))]

    def __str__(self) -> str:
        return f"measures of participant {self.participant_id} in {self.case_id}"

    def days_to(self, moment: datetime | None) -> float | None:
        """Days from the notification to `moment`, to a tenth; None if either is unknown."""
        if self.notified_at is None or moment is None:
            return None
        return round(max((moment - self.notified_at).total_seconds(), 0) / 86_400, 1)

    @property
    def days_to_acknowledgement(self) -> float | None:
        return self.days_to(self.acknowledged_at)

    @property
    def days_to_first_statement(self) -> float | None:
        return self.days_to(self.first_statement_at)

    @property
    def days_to_fix(self) -> float | None:
        return self.days_to(self.fixed_at)

    @property
    def days_to_publication(self) -> float | None:
        return self.days_to(self.published_at)

    @property
    def all_days(self) -> tuple[float | None, ...]:
        """Days to acknowledgement, first statement, fix and publication, in order."""
        return (
            self.days_to_acknowledgement,
            self.days_to_first_statement,
            self.days_to_fix,
            self.days_to_publication,
        )
