"""Changing evidence: domains and the proof that an organisation controls them, scans
and the observations they store. Every change that matters records an audit event.

The services live in one module per subject (`scans`: registering domains, scanning,
storing observations; `control`: proving control, checking it again, disputes; `platform`: what the
platform observes from its own records); this
package is their one public face.
"""

from accord.evidence.services.control import (
    MANUAL_CHECK_COOLDOWN,
    ControlCheck,
    ControlRefused,
    award_domain,
    check_domain_control,
    dns_resolver,
    recheck_domain_control,
    recheck_interval,
    schedule_control_checks,
)
from accord.evidence.services.platform import record_platform_observation
from accord.evidence.services.scans import (
    DEFAULT_INTERVAL,
    MANUAL_SCAN_COOLDOWN,
    SCHEDULE_BATCH,
    EvidenceError,
    InvalidDomain,
    NotAllowed,
    RetrievedEvidence,
    ScanNotDue,
    UnknownCheck,
    add_domain,
    announce_control,
    check_version,
    finding_codes,
    import_demo_domains,
    import_demo_evidence,
    not_scanned_reason,
    record_observation,
    remove_domain,
    request_manual_scan,
    request_scan,
    run_scan,
    safe_fetcher,
    scan_domain,
    schedule_due_scans,
)

__all__ = [
    "DEFAULT_INTERVAL",
    "MANUAL_CHECK_COOLDOWN",
    "MANUAL_SCAN_COOLDOWN",
    "SCHEDULE_BATCH",
    "ControlCheck",
    "ControlRefused",
    "EvidenceError",
    "InvalidDomain",
    "NotAllowed",
    "RetrievedEvidence",
    "ScanNotDue",
    "UnknownCheck",
    "add_domain",
    "announce_control",
    "award_domain",
    "check_domain_control",
    "check_version",
    "dns_resolver",
    "finding_codes",
    "import_demo_domains",
    "import_demo_evidence",
    "not_scanned_reason",
    "recheck_domain_control",
    "recheck_interval",
    "record_observation",
    "record_platform_observation",
    "remove_domain",
    "request_manual_scan",
    "request_scan",
    "run_scan",
    "safe_fetcher",
    "scan_domain",
    "schedule_control_checks",
    "schedule_due_scans",
]
