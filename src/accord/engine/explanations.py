"""What each finding code means, in plain words, and how to fix it.

Every code a check can emit (its own, sectxt's for security.txt, and the fetcher's) has
an entry here; `tests/engine/test_explanations.py` finds the codes in the checks' source
and in sectxt's, and fails on one without an explanation. Pages show `problem` and
`fix` beside the code and link to the practice the check verifies.

`shared_host_failure` folds the results of a domain that could not be reached at all
into one message: with no DNS answer every check reports the same `dns_error`, and one
"domain unreachable (dns_error)" says it better than eight identical rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

RFC_9116 = "https://www.rfc-editor.org/rfc/rfc9116"
CSAF_20 = "https://docs.oasis-open.org/csaf/csaf/v2.0/os/csaf-v2.0-os.html"
RFC_6797 = "https://www.rfc-editor.org/rfc/rfc6797"


@dataclass(frozen=True)
class Explanation:
    """One code: what is wrong (`problem`), what to do (`fix`), and where the rule comes
    from (`reference`, `reference_url`), if from a standard."""

    code: str
    problem: str
    fix: str
    reference: str = ""
    reference_url: str = ""
    headline: str = ""  # a few words, for a whole domain's failure: "domain unreachable"


EXPLANATIONS: dict[str, Explanation] = {}


def _explain(
    code: str, problem: str, fix: str, reference: str = "", url: str = "", *, headline: str = ""
) -> None:
    EXPLANATIONS[code] = Explanation(code, problem, fix, reference, url, headline)


def _rfc9116(section: str) -> tuple[str, str]:
    return f"RFC 9116, section {section}", f"{RFC_9116}#section-{section}"


# The fetch itself failed: the check could not judge ----------------------------------

_explain(
    "dns_error",
    "The domain name has no address in DNS, so nothing could be fetched.",
    "Check that the domain is spelled as registered and has an A or AAAA record. A "
    "domain used only for email still needs a web server answering HTTPS for these "
    "checks.",
    headline="domain unreachable",
)
_explain(
    "connect_error",
    "No connection could be made to the domain's web server on port 443.",
    "Make sure a web server answers HTTPS on port 443 for this name and that no "
    "firewall blocks connections from the internet.",
    headline="server unreachable",
)
_explain(
    "tls_error",
    "The HTTPS connection failed: the certificate is invalid, expired, "
    "issued for another name, or the TLS set-up is broken.",
    "Install a certificate from a public certificate authority that covers this "
    "name, with its full chain, and renew it before it expires.",
    headline="HTTPS connection failed",
)
_explain(
    "blocked_address",
    "The domain points to a private, loopback or otherwise "
    "non-public address, which Accord never connects to.",
    "Point the domain's DNS records at the public address of its web server.",
    headline="domain points to a non-public address",
)
_explain(
    "timeout",
    "The server took too long to answer.",
    "Check that the server is up and answers within a few seconds.",
    headline="server did not answer in time",
)
_explain(
    "invalid_url",
    "The address to fetch is not a valid https:// URL.",
    "Check the registered domain name, and every URL the file names (Policy, CSAF, "
    "Contact, Encryption): each must be a complete https:// address.",
    headline="not a valid address",
)
_explain(
    "too_large",
    "The answer is larger than the check reads.",
    "Serve the file itself at its address, not a large page; these files are "
    "normally a few kilobytes.",
)
_explain(
    "too_many_redirects",
    "The address redirected more than five times.",
    "Serve the file at its address directly, or with one redirect at most.",
)
_explain(
    "http_error",
    "The server answered with an HTTP error.",
    "Make the address answer 200 OK with the file.",
)
_explain(
    "internal_error",
    "Accord's check itself failed on this domain; this is not "
    "something the organisation did wrong.",
    "Nothing to fix on your side: the failure is logged for the instance's "
    "operators, and the next scan tries again.",
)

# security.txt: finding and serving the file -----------------------------------------

_explain(
    "no_security_txt",
    "No security.txt file was found at /.well-known/security.txt.",
    "Publish a plain-text file at https://<your domain>/.well-known/security.txt "
    "with at least a Contact and an Expires field.",
    *_rfc9116("3"),
)
_explain(
    "location",
    "security.txt was found only at /security.txt, the legacy place.",
    "Serve the file at /.well-known/security.txt (you may keep a redirect from /security.txt).",
    *_rfc9116("3"),
)
_explain(
    "invalid_cert",
    "security.txt was served with a certificate that does not validate.",
    "Serve the site with a valid certificate for this name, from a public certificate authority.",
    *_rfc9116("3"),
)
_explain(
    "no_content_type",
    "The server sent no Content-Type header with security.txt.",
    "Serve the file with Content-Type: text/plain; charset=utf-8.",
    *_rfc9116("3"),
)
_explain(
    "invalid_media",
    "security.txt was not served as text/plain.",
    "Serve the file with Content-Type: text/plain; charset=utf-8.",
    *_rfc9116("3"),
)
_explain(
    "invalid_charset",
    "security.txt was served with a charset other than utf-8.",
    "Serve the file with Content-Type: text/plain; charset=utf-8.",
    *_rfc9116("3"),
)
_explain(
    "html_content",
    "An HTML page was served instead of the plain-text file, often "
    "a site's catch-all or error page.",
    "Serve the real file at /.well-known/security.txt, as plain text.",
)
_explain(
    "redirected",
    "The file was reached through a redirect.",
    "This is allowed; serving the file directly, without a redirect, is simpler for "
    "the tools that read it.",
    *_rfc9116("3"),
)
_explain(
    "redirect_other_host",
    "The file is served only through a redirect to another "
    "host, so it may not speak for this domain.",
    "Serve security.txt on this domain itself, or make its Canonical field name "
    "this domain's address.",
    *_rfc9116("3"),
)
_explain(
    "file_too_large",
    "security.txt is larger than a security.txt file should be.",
    "Keep the file to the fields RFC 9116 defines, a few kilobytes at most.",
)
_explain(
    "unparseable",
    "The file could not be read as a security.txt file at all.",
    "Write it as lines of 'Field: value' in UTF-8, as in RFC 9116's examples.",
    *_rfc9116("4"),
)

# security.txt: the file's format and fields (sectxt's codes) -------------------------

_explain("utf8", "The file is not valid UTF-8 text.", "Save the file as UTF-8.", *_rfc9116("4"))
_explain(
    "bom_in_file",
    "The file starts with a byte-order mark (BOM).",
    "Save the file as UTF-8 without a BOM.",
    *_rfc9116("4"),
)
_explain(
    "invalid_line",
    "A line is neither a field, a comment nor blank.",
    "Write each line as 'Field: value', a comment beginning with #, or nothing.",
    *_rfc9116("4"),
)
_explain(
    "prec_ws",
    "A field name is followed by spaces before its colon.",
    "Write the colon straight after the field name: 'Contact: ...'.",
    *_rfc9116("4"),
)
_explain(
    "no_space",
    "A field's colon is not followed by a space.",
    "Put one space after the colon: 'Contact: mailto:...'.",
    *_rfc9116("4"),
)
_explain(
    "empty_key",
    "A line has a colon but no field name before it.",
    "Give the field its name, or remove the line.",
    *_rfc9116("4"),
)
_explain(
    "empty_value", "A field has no value.", "Give the field a value, or remove it.", *_rfc9116("4")
)
_explain(
    "no_line_separators",
    "A line, probably the last, does not end with a line break.",
    "End every line, the last one too, with a line feed (or CR LF).",
    *_rfc9116("2.2"),
)
_explain(
    "too_many_line_separators",
    "The signed file ends with more than one empty line.",
    "Remove the extra empty lines at the end, then sign the file again.",
    *_rfc9116("2.3"),
)
_explain(
    "unknown_field",
    "The file has a field RFC 9116 does not define: a custom field, or a typo in a standard one.",
    "Check the spelling of the field names; custom fields are allowed but few tools read them.",
    *_rfc9116("2.4"),
)
_explain(
    "no_contact",
    "The file has no Contact field, so nobody knows how to reach you.",
    "Add at least one Contact line, such as 'Contact: mailto:security@example.org' "
    "or an https:// page.",
    *_rfc9116("2.5.3"),
)
_explain(
    "no_uri",
    "A field that must hold an address (a URI) holds something else.",
    "Write the value as a full URI: mailto:..., tel:... or https://....",
    *_rfc9116("2.5"),
)
_explain(
    "no_https",
    "A web address in the file uses http:// instead of https://.",
    "Change the address to https://.",
    *_rfc9116("2.5"),
)
_explain(
    "invalid_uri_scheme",
    "The file was reached over plain http://.",
    "Serve security.txt over https:// only.",
    *_rfc9116("3"),
)
_explain(
    "no_expire",
    "The file has no Expires field, so readers cannot tell whether it is still current.",
    "Add an Expires line with a date less than a year ahead, "
    "for example 'Expires: 2027-01-31T00:00:00Z'.",
    *_rfc9116("2.5.5"),
)
_explain(
    "multi_expire",
    "The file has more than one Expires field.",
    "Keep one Expires line.",
    *_rfc9116("2.5.5"),
)
_explain(
    "invalid_expiry",
    "The Expires value is not a date and time in ISO 8601 form.",
    "Write it as, for example, 'Expires: 2027-01-31T00:00:00Z'.",
    *_rfc9116("2.5.5"),
)
_explain(
    "expired",
    "The Expires date has passed: readers must treat the file as stale.",
    "Check the file's contacts and set Expires to a date less than a year ahead; put "
    "a reminder to renew it before that date.",
    *_rfc9116("2.5.5"),
)
_explain(
    "long_expiry",
    "The Expires date is more than a year away.",
    "Set Expires less than a year ahead, so the file is reviewed at least yearly.",
    *_rfc9116("2.5.5"),
)
_explain(
    "expires_soon",
    "The Expires date is less than 30 days away.",
    "Review the file and move Expires forward, to less than a year ahead.",
    *_rfc9116("2.5.5"),
)
_explain(
    "multi_lang",
    "The file has more than one Preferred-Languages field.",
    "Keep one Preferred-Languages line, listing the languages separated by commas.",
    *_rfc9116("2.5.8"),
)
_explain(
    "invalid_lang",
    "Preferred-Languages holds something that is not a language tag.",
    "List language tags separated by commas, such as 'Preferred-Languages: en, nl'.",
    *_rfc9116("2.5.8"),
)
_explain(
    "no_encryption",
    "The file gives an email contact but no Encryption key to write to it privately.",
    "Add an Encryption field with the https:// address of your OpenPGP public key.",
    *_rfc9116("2.5.4"),
)
_explain(
    "no_canonical",
    "The signed file has no Canonical field, so a copy elsewhere cannot be told from the original.",
    "Add 'Canonical: https://<your domain>/.well-known/security.txt' and sign again.",
    *_rfc9116("2.5.2"),
)
_explain(
    "no_canonical_match",
    "The file's Canonical fields do not name the address it was found at.",
    "Add the address the file is served from as a Canonical field (and sign again "
    "if the file is signed).",
    *_rfc9116("2.5.2"),
)
_explain(
    "multiple_csaf_fields",
    "The file has more than one CSAF field.",
    "Keep one CSAF field naming your provider-metadata.json, unless you publish "
    "several on purpose.",
    "CSAF 2.0, section 7.1.8",
    CSAF_20,
)
_explain(
    "no_csaf_file",
    "A CSAF field does not name a provider-metadata.json file.",
    "Point the CSAF field at your provider-metadata.json, over https://.",
    "CSAF 2.0, section 7.1.8",
    CSAF_20,
)
_explain(
    "not_signed",
    "The file is not signed, so readers cannot check it came from you.",
    "Sign it as an OpenPGP cleartext message with the key its Encryption field names.",
    *_rfc9116("2.3"),
)
_explain(
    "signed_format_issue",
    "The file looks signed but does not begin with the OpenPGP cleartext header.",
    "Sign the whole file again (gpg --clearsign); the file must begin with "
    "'-----BEGIN PGP SIGNED MESSAGE-----'.",
    *_rfc9116("2.3"),
)
_explain(
    "data_after_sig",
    "There is text after the end of the signature.",
    "Remove everything after '-----END PGP SIGNATURE-----', or sign the file again.",
    *_rfc9116("2.3"),
)
_explain(
    "pgp_data_error",
    "The signed message's OpenPGP block is not correctly armored.",
    "Sign the file again with gpg --clearsign and publish its output unchanged.",
    *_rfc9116("2.3"),
)
_explain(
    "pgp_error",
    "The OpenPGP signature could not be decoded.",
    "Sign the file again with gpg --clearsign and publish its output unchanged.",
    *_rfc9116("2.3"),
)
_explain(
    "pgp_signature_error",
    "The OpenPGP signature is malformed.",
    "Sign the file again with gpg --clearsign and publish its output unchanged.",
    *_rfc9116("2.3"),
)

# security.txt: its signature (security-txt-signed) -----------------------------------

_explain(
    "unsigned",
    "The file carries no OpenPGP signature.",
    "Sign it as an OpenPGP cleartext message (gpg --clearsign) with the key its "
    "Encryption field names.",
    *_rfc9116("2.3"),
)
_explain(
    "bad_signature",
    "The signature does not verify: the file was changed after "
    "signing, or the signature is damaged.",
    "Sign the file again after its last change and publish the output unchanged.",
    *_rfc9116("2.3"),
)
_explain(
    "key_not_found",
    "No OpenPGP key was found to check the signature with.",
    "Add an Encryption field with the https:// address of the public key you sign with.",
    *_rfc9116("2.5.4"),
)
_explain(
    "key_mismatch",
    "The file was signed with a key other than the one it publishes.",
    "Sign with the key its Encryption field names, or publish the key you sign with.",
)
_explain(
    "key_revoked",
    "The key that signed the file has been revoked.",
    "Sign the file with a current key and publish that key.",
)
_explain(
    "key_expired",
    "The key that signed the file has expired.",
    "Extend the key's expiry (and publish it again), or sign with a current key.",
)
_explain("signature_expired", "The signature itself has expired.", "Sign the file again.")
_explain(
    "weak_signature_hash",
    "The signature uses a broken hash algorithm (such as SHA-1).",
    "Sign again with SHA-256 or stronger (gpg --digest-algo SHA256 --clearsign).",
)
_explain("verified", "The signature verifies.", "Nothing to fix.")

# Security contacts (security-contact-reachable) --------------------------------------

_explain(
    "invalid_email",
    "A mailto: contact does not hold a valid email address.",
    "Write it as 'Contact: mailto:security@example.org'.",
    *_rfc9116("2.5.3"),
)
_explain(
    "invalid_tel",
    "A tel: contact is not a valid telephone URI.",
    "Write it in international form, such as 'Contact: tel:+31-70-123-4567'.",
    *_rfc9116("2.5.3"),
)
_explain(
    "contact_not_https",
    "A web contact uses http:// instead of https://.",
    "Change the contact's address to https://.",
    *_rfc9116("2.5.3"),
)
_explain(
    "invalid_contact_uri",
    "A Contact value is not a URI (an email address needs mailto: before it).",
    "Write contacts as mailto:..., tel:... or https://....",
    *_rfc9116("2.5.3"),
)
_explain(
    "contact_unreachable",
    "A web contact page did not answer.",
    "Make the page answer over HTTPS, or replace the contact with one that does.",
)
_explain(
    "contact_not_checked",
    "A contact was not checked (a scheme Accord does not "
    "check, or more web contacts than a scan fetches).",
    "Nothing to fix if the contact works; mailto:, tel: and https: are the common ones.",
    *_rfc9116("2.5.3"),
)

# The disclosure policy (vdp) ---------------------------------------------------------

_explain(
    "no_policy",
    "security.txt has no Policy field, so the disclosure policy could not be found.",
    "Publish your vulnerability disclosure policy on an https:// page and name it "
    "in a 'Policy:' field.",
    *_rfc9116("2.5.7"),
)
_explain(
    "policy_not_https",
    "The Policy field's address is not https://.",
    "Serve the policy over HTTPS and change the field to its https:// address.",
    *_rfc9116("2.5.7"),
)
_explain(
    "policy_unreachable",
    "The policy page did not answer with the page.",
    "Make the Policy address answer 200 OK with the policy.",
)
_explain(
    "policy_not_text",
    "The policy is not a web page or text (a PDF, for example), "
    "so its contents could not be checked.",
    "Publish the policy as an HTML or text page, and link any PDF from there.",
)
_explain(
    "vdp_no_scope",
    "The policy does not say which systems or products it covers.",
    "Add a section on scope: which products, services and domains the policy covers.",
    "ISO/IEC 29147:2018",
)
_explain(
    "vdp_no_reporting_channel",
    "The policy does not say how to report a vulnerability.",
    "Say where reports go: an email address, a form or a bug-bounty platform.",
    "ISO/IEC 29147:2018",
)
_explain(
    "vdp_no_response_time",
    "The policy does not say how soon reports are acknowledged or answered.",
    "Give a time, for example 'we acknowledge reports within 5 business days'.",
    "ISO/IEC 29147:2018",
)
_explain(
    "vdp_no_safe_harbour",
    "The policy does not promise researchers safe harbour from legal action.",
    "Add a statement that good-faith research within the policy will not be pursued legally.",
)

# CSAF (csaf-provider, csaf-security-txt) ---------------------------------------------

_explain(
    "no_csaf_field",
    "security.txt has no CSAF field pointing to your CSAF provider metadata.",
    "Add 'CSAF: https://<your domain>/.well-known/csaf/provider-metadata.json' to security.txt.",
    "CSAF 2.0, section 7.1.8",
    CSAF_20,
)
_explain(
    "csaf_not_https",
    "The CSAF field's address is not https://.",
    "Serve the provider metadata over HTTPS and name its https:// address.",
    "CSAF 2.0, section 7.1.8",
    CSAF_20,
)
_explain(
    "csaf_unreachable",
    "The address in the CSAF field did not answer with a file.",
    "Make the address answer 200 OK with your provider-metadata.json.",
    "CSAF 2.0, section 7.1.8",
    CSAF_20,
)
_explain(
    "csaf_not_provider_metadata",
    "The CSAF field points to something that is not a provider-metadata.json.",
    "Point the field at your provider-metadata.json file.",
    "CSAF 2.0, section 7.1.8",
    CSAF_20,
)
_explain(
    "no_provider_metadata",
    "No provider-metadata.json was found where CSAF 2.0 says to look.",
    "Publish it at https://<your domain>/.well-known/csaf/provider-metadata.json, "
    "and name it in security.txt's CSAF field.",
    "CSAF 2.0, section 7.3.1",
    CSAF_20,
)
_explain(
    "provider_metadata_invalid",
    "provider-metadata.json does not follow the CSAF 2.0 schema.",
    "Correct the fields the message names; validate the file against the CSAF 2.0 "
    "provider-metadata schema before publishing.",
    "CSAF 2.0, section 7.1.7",
    CSAF_20,
)
_explain(
    "provider_metadata_over_limits",
    "A provider-metadata.json was found but not read: it is nested too deeply or took too "
    "long to read.",
    "Publish the metadata as the CSAF 2.0 schema shapes it: a few levels deep, at most 1 MiB.",
    "CSAF 2.0, section 7.1.7",
    CSAF_20,
)
_explain(
    "provider_metadata_redirected",
    "provider-metadata.json is reached through a redirect.",
    "Serve it at its address directly, without a redirect.",
    "CSAF 2.0, section 7.1.6",
    CSAF_20,
)
_explain(
    "canonical_url_mismatch",
    "The metadata's canonical_url is not the address it was found at.",
    "Set canonical_url to the file's real https:// address.",
    "CSAF 2.0, section 7.1.7",
    CSAF_20,
)
_explain(
    "no_distributions",
    "The provider metadata lists no distributions.",
    "List where the advisories are: a directory (with index.txt and changes.csv) or ROLIE feeds.",
    "CSAF 2.0, section 7.1.7",
    CSAF_20,
)
_explain(
    "distribution_not_https",
    "A distribution's address is not https://.",
    "Serve the advisories over HTTPS and list their https:// addresses.",
    "CSAF 2.0, section 7.1.3",
    CSAF_20,
)
_explain(
    "index_txt_unreachable",
    "The directory's index.txt did not answer.",
    "Publish index.txt in the advisory directory, listing each advisory file.",
    "CSAF 2.0, section 7.1.12",
    CSAF_20,
)
_explain(
    "changes_csv_unreachable",
    "The directory's changes.csv did not answer.",
    "Publish changes.csv in the advisory directory, each advisory with its last change.",
    "CSAF 2.0, section 7.1.13",
    CSAF_20,
)
_explain(
    "rolie_feed_unreachable",
    "A ROLIE feed listed in the metadata did not answer.",
    "Make each listed feed answer, or remove it from the metadata.",
    "CSAF 2.0, section 7.1.15",
    CSAF_20,
)
_explain(
    "rolie_feed_invalid",
    "A listed ROLIE feed is not a ROLIE feed document.",
    "Serve a JSON ROLIE feed with a 'feed' object at that address.",
    "CSAF 2.0, section 7.1.15",
    CSAF_20,
)
_explain(
    "no_advisory_listed",
    "No advisory is listed in the distributions.",
    "List at least one advisory in index.txt, changes.csv or a ROLIE feed.",
)
_explain(
    "advisory_not_https",
    "A listed advisory's address is not https://.",
    "Serve advisories over HTTPS.",
    "CSAF 2.0, section 7.1.3",
    CSAF_20,
)
_explain(
    "advisory_unreachable",
    "A listed advisory did not answer.",
    "Make every listed advisory answer, or remove it from the lists.",
)
_explain(
    "advisory_invalid_json",
    "A listed advisory is not JSON.",
    "Publish advisories as CSAF 2.0 JSON documents.",
    "CSAF 2.0, section 7.1.1",
    CSAF_20,
)
_explain(
    "advisory_over_limits",
    "A listed advisory was not read: it is nested too deeply or took too long to read.",
    "Keep the product tree to a reasonable depth (at most about 30 branch levels) and the "
    "file under 16 MiB.",
    "CSAF 2.0, section 7.1.1",
    CSAF_20,
)
_explain(
    "advisory_invalid",
    "A listed advisory does not follow the CSAF 2.0 schema.",
    "Correct the fields the message names; validate advisories before publishing.",
    "CSAF 2.0, section 7.1.1",
    CSAF_20,
)

# HTTPS and HSTS (https-hsts) ----------------------------------------------------------

_explain(
    "invalid_certificate",
    "The site's HTTPS certificate does not validate.",
    "Install a certificate from a public certificate authority that covers this "
    "name, with its full chain, and renew it before it expires.",
)
_explain(
    "redirected_to_http",
    "The HTTPS address redirects to plain HTTP.",
    "Keep visitors on HTTPS: redirect HTTP to HTTPS, never the other way.",
)
_explain(
    "no_hsts",
    "The site sends no Strict-Transport-Security header, so browsers may be led to plain HTTP.",
    "Send 'Strict-Transport-Security: max-age=31536000; includeSubDomains' on HTTPS answers.",
    "RFC 6797, section 6.1",
    f"{RFC_6797}#section-6.1",
)
_explain(
    "hsts_invalid",
    "The Strict-Transport-Security header is not valid.",
    "Write it as 'max-age=31536000; includeSubDomains'.",
    "RFC 6797, section 6.1",
    f"{RFC_6797}#section-6.1",
)
_explain(
    "hsts_too_short",
    "Strict-Transport-Security's max-age is less than a year.",
    "Set max-age to 31536000 (a year) or more.",
    "RFC 6797, section 6.1.1",
    f"{RFC_6797}#section-6.1.1",
)


# Coordinated cases on the platform (cvd-acknowledgement-time) -----------------------
# The platform's own observation: the CVD app records these codes
# (`accord.cvd.services.measures`), no scan does.

_explain(
    "cvd_acknowledgement_late",
    "In at least one coordinated case on the platform, the organisation's report state "
    "left received later than the practice's days after the notification was sent.",
    "Watch the security contact the platform notifies, and move each new case's report "
    "state to valid or invalid as soon as it is read; the verdict passes again once no "
    "late case remains among those notified in the last 365 days.",
    "ISO/IEC 30111:2019",
)
_explain(
    "cvd_acknowledgement_missing",
    "A coordinated case on the platform is still in the received state, longer after "
    "its notification than the practice allows.",
    "Open the case, read the report and set the organisation's report state to valid "
    "(or invalid, saying why in the case).",
    "ISO/IEC 30111:2019",
)


def explain(code: str) -> Explanation:
    """The explanation of `code`; an honest placeholder for a code Accord does not know
    (one stored by an older version, say)."""
    found = EXPLANATIONS.get(code)
    if found is not None:
        return found
    return Explanation(
        code,
        "Accord has no explanation of this code.",
        "Read the finding's message; the practice's page says what the check expects.",
    )


# Fetch failures that concern the whole host: every check that fetched from it reports
# the same one. A failed TLS connection is a finding about the site to the checks that
# judge it (`invalid_cert` for security.txt, `invalid_certificate` for https-hsts).
DOMAIN_FAILURES = frozenset(
    {"dns_error", "connect_error", "tls_error", "blocked_address", "timeout", "invalid_url"}
)
_SAME_AS = {"invalid_cert": "tls_error", "invalid_certificate": "tls_error"}


def shared_host_failure(key_codes: Mapping[str, Sequence[str]]) -> tuple[str, list[str]] | None:
    """The host failure that two or more checks report alone, and those checks.

    `key_codes` maps a check id to the codes that explain its verdict. A check whose
    only code is the failure (or what it means for that check) is folded into the one
    message; checks that found something else are left to speak for themselves.
    """
    folded: dict[str, list[str]] = {}
    for check_id, codes in key_codes.items():
        if len(codes) != 1:
            continue
        code = _SAME_AS.get(codes[0], codes[0])
        if code in DOMAIN_FAILURES:
            folded.setdefault(code, []).append(check_id)
    if not folded:
        return None
    code, checks = max(folded.items(), key=lambda item: len(item[1]))
    return (code, checks) if len(checks) >= 2 else None


def headline(code: str) -> str:
    """A few words for a failure of the whole domain: "domain unreachable"."""
    found = explain(code)
    return found.headline or found.problem.rstrip(".")
