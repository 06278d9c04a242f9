"""The automated checks, by stable id: those the evidence engine runs on domains
(`CHECKS`), and those the platform itself observes (`PLATFORM_CHECKS`).

The catalogue refers to either as `automated:<check-id>`; `accord catalogue validate`
refuses any other id. A platform check is never scanned: the app that holds the facts
(CVD, for the time a vendor takes to acknowledge its cases) records its observations
through the evidence services, and commitments derive status from them like any other.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class CheckDefinition:
    id: str
    title: str
    description: str


CHECKS: dict[str, CheckDefinition] = {
    check.id: check
    for check in [
        CheckDefinition(
            "security-txt",
            "security.txt is published",
            "A valid RFC 9116 file at /.well-known/security.txt.",
        ),
        CheckDefinition(
            "security-txt-signed",
            "security.txt is signed",
            "The file carries an OpenPGP cleartext signature that verifies against the key its "
            "Encryption field publishes (or a supplied key).",
        ),
        CheckDefinition(
            "security-txt-fresh",
            "security.txt is fresh",
            "Its Expires date is more than 30 days and less than a year away.",
        ),
        CheckDefinition(
            "vdp",
            "A disclosure policy is published",
            "The Policy URI answers over HTTPS with scope, reporting channel, response "
            "time and safe harbour.",
        ),
        CheckDefinition(
            "csaf-provider",
            "CSAF provider metadata is published",
            "A valid CSAF 2.0 provider-metadata.json, found as CSAF 2.0 section 7.3.1 "
            "describes, whose distributions answer and list a valid advisory.",
        ),
        CheckDefinition(
            "csaf-security-txt",
            "security.txt points to the CSAF provider metadata",
            "A CSAF field in security.txt names, over HTTPS, a provider-metadata.json "
            "that answers.",
        ),
        CheckDefinition(
            "https-hsts",
            "HTTPS with HSTS",
            "A valid certificate and Strict-Transport-Security of a year or more.",
        ),
        CheckDefinition(
            "security-contact-reachable",
            "Security contacts are reachable",
            "Every Contact URI is well formed (mailto, tel, https) and its web page answers.",
        ),
    ]
}


@dataclass(frozen=True)
class PlatformCheckDefinition:
    """A check the platform observes from its own records, with the limit it applies:
    `within_days`, the days the catalogue's practice states; and the finding `codes` it
    may report (each explained in `accord.engine.explanations`)."""

    id: str
    title: str
    description: str
    version: str
    within_days: int
    codes: tuple[str, ...]


ACKNOWLEDGEMENT_CHECK = "cvd-acknowledgement-time"
ACKNOWLEDGEMENT_LATE = "cvd_acknowledgement_late"
ACKNOWLEDGEMENT_MISSING = "cvd_acknowledgement_missing"

PLATFORM_CHECKS: dict[str, PlatformCheckDefinition] = {
    check.id: check
    for check in [
        PlatformCheckDefinition(
            ACKNOWLEDGEMENT_CHECK,
            "Coordinated cases are acknowledged in time",
            "In the platform's coordinated disclosure cases of the last 365 days, the "
            "vendor acknowledged each notification (its report state left received) within "
            "7 days.",
            version="1",
            within_days=7,
            codes=(ACKNOWLEDGEMENT_LATE, ACKNOWLEDGEMENT_MISSING),
        ),
    ]
}


def check_title(check_id: str) -> str:
    """The title of a scanned or platform check; the id itself for an unknown one."""
    check = CHECKS.get(check_id) or PLATFORM_CHECKS.get(check_id)
    return check.title if check is not None else check_id


def is_known_check(check_id: str) -> bool:
    return check_id in CHECKS or check_id in PLATFORM_CHECKS
