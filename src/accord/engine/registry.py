"""The automated checks the evidence engine runs, by stable id.

The catalogue refers to these as `automated:<check-id>`; `accord catalogue validate`
refuses any other id.
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
