"""The `security-txt-signed` check: the OpenPGP cleartext signature verifies.

The key is the one the file itself names in `Encryption` (fetched over HTTPS only), or one
the assessor supplies as `options["openpgp_key"]` (armored text or bytes). An
`openpgp4fpr:` URI names a key without saying where to get it: it counts only when the
supplied key is given. Verification is Sequoia-PGP's (pysequoia), under its standard
policy, which rejects SHA-1 and other broken algorithms.

Sequoia judges key and signature validity against the wall clock; the expiry findings
here (`key_expired`, `signature_expired`) are judged against the injected `now`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pysequoia
from pysequoia.packet import HashAlgorithm, PacketPile

from accord.engine.checks.base import (
    AssessmentContext,
    describe_outcome,
    fetch_error_result,
    success,
)
from accord.engine.checks.securitytxt import (
    SecurityTxtRetrieval,
    absent_result,
    parse_security_txt,
    retrieve_security_txt,
)
from accord.engine.types import CheckResult, FetchError, FetchOutcome, Finding, Status

KEY_MAX_BYTES = 262_144
MAX_KEY_SOURCES = 3
_SIGNATURE_BLOCK = re.compile(
    rb"-----BEGIN PGP SIGNATURE-----\r?\n.*?-----END PGP SIGNATURE-----", re.DOTALL
)
_WEAK_HASHES = (HashAlgorithm.MD5, HashAlgorithm.SHA1, HashAlgorithm.RipeMD)


@dataclass(frozen=True)
class KeySource:
    """One place a key was looked for: an Encryption URI, or the assessor's option."""

    uri: str
    outcome: FetchOutcome | None = None
    supplied: bytes | None = None
    problem: str | None = None

    @property
    def body(self) -> bytes | None:
        if self.supplied is not None:
            return self.supplied
        response = success(self.outcome)
        return response.body if response else None


@dataclass(frozen=True)
class SignedRetrieval:
    security_txt: SecurityTxtRetrieval
    keys: tuple[KeySource, ...] = ()


class SecurityTxtSignedCheck:
    """security.txt carries an OpenPGP cleartext signature that verifies."""

    id = "security-txt-signed"
    version = "1"

    async def retrieve(self, ctx: AssessmentContext) -> SignedRetrieval:
        retrieved = await retrieve_security_txt(ctx)
        parser = parse_security_txt(retrieved, now=None)
        sources: list[KeySource] = []
        supplied = ctx.options.get("openpgp_key")
        if supplied:
            data = supplied.encode() if isinstance(supplied, str) else bytes(supplied)
            sources.append(KeySource("options:openpgp_key", supplied=data))
        if parser is None or not parser.signed:
            return SignedRetrieval(retrieved, tuple(sources))
        for uri in parser.fields("encryption")[:MAX_KEY_SOURCES]:
            sources.append(await _key_source(ctx, uri))
        return SignedRetrieval(retrieved, tuple(sources))

    def evaluate(self, retrieved: SignedRetrieval, *, now: datetime) -> CheckResult:
        security_txt = retrieved.security_txt
        response = security_txt.response
        if response is None:
            return absent_result(self.id, security_txt)
        url = security_txt.url
        if not response.body.lstrip().startswith(b"-----BEGIN PGP SIGNED MESSAGE-----"):
            return _fail(self.id, url, "unsigned", "The file carries no OpenPGP signature.")
        block = _SIGNATURE_BLOCK.search(response.body)
        try:
            signature = pysequoia.Sig.from_bytes(block.group(0) if block else b"")
        except Exception as exc:  # pysequoia raises plain exceptions for unparseable input
            return _fail(
                self.id, url, "bad_signature", f"The signature does not parse: {_first_line(exc)}"
            )
        certs, unusable = _certificates(retrieved.keys)
        if not certs:
            return _no_key(self.id, url, retrieved.keys, unusable)
        return _judge(self.id, url, response.body, signature, certs, now)


async def _key_source(ctx: AssessmentContext, uri: str) -> KeySource:
    scheme = urlsplit(uri).scheme.lower()
    if scheme == "https":
        return KeySource(uri, outcome=await ctx.fetch(uri, max_bytes=KEY_MAX_BYTES))
    if scheme == "openpgp4fpr":
        return KeySource(uri, problem="names a fingerprint only; supply the key to verify")
    if scheme == "http":
        return KeySource(uri, problem="is not HTTPS, so the key was not fetched")
    return KeySource(
        uri, problem=f"has a scheme ({scheme or 'none'}) Accord does not fetch keys from"
    )


def _certificates(sources: tuple[KeySource, ...]) -> tuple[list[pysequoia.Cert], list[str]]:
    certs: list[pysequoia.Cert] = []
    unusable: list[str] = []
    for source in sources:
        body = source.body
        if body is None:
            reason = source.problem or describe_outcome(source.outcome)
            unusable.append(
                f"{source.uri} {reason}" if source.problem else f"{source.uri}: {reason}"
            )
            continue
        try:
            certs.extend(pysequoia.Cert.split_bytes(body))
        except Exception:  # not an OpenPGP key (an HTML page, say)
            unusable.append(f"{source.uri}: not an OpenPGP public key")
    return certs, unusable


def _no_key(
    check_id: str, url: str | None, sources: tuple[KeySource, ...], unusable: list[str]
) -> CheckResult:
    errors = [s.outcome for s in sources if isinstance(s.outcome, FetchError)]
    if errors and len(errors) == len(sources):
        return fetch_error_result(check_id, errors[0])
    reason = "; ".join(unusable) if unusable else "the file has no Encryption field"
    return _fail(check_id, url, "key_not_found", f"No OpenPGP key to verify with: {reason}.")


def _judge(
    check_id: str,
    url: str | None,
    body: bytes,
    signature: pysequoia.Sig,
    certs: list[pysequoia.Cert],
    now: datetime,
) -> CheckResult:
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    issuers = {i for i in (signature.issuer_fingerprint, signature.issuer_key_id) if i}
    cert = _signer(certs, issuers)
    details: dict[str, object] = {"issuer": sorted(issuers), "keys": [c.fingerprint for c in certs]}
    if cert is None and issuers:
        return _fail(
            check_id, url, "key_mismatch",
            "The signature was made by a key other than the one published: "
            + ", ".join(sorted(issuers)), details,
        )  # fmt: skip
    if cert is not None and cert.is_revoked:
        return _fail(check_id, url, "key_revoked", "The signing key has been revoked.", details)
    if cert is not None and cert.expiration is not None and cert.expiration <= now:
        message = f"The signing key expired on {cert.expiration.isoformat()}."
        return _fail(check_id, url, "key_expired", message, details)
    if signature.expiration is not None and signature.expiration <= now:
        message = f"The signature expired on {signature.expiration.isoformat()}."
        return _fail(check_id, url, "signature_expired", message, details)
    if signature.hash_algorithm in _WEAK_HASHES:
        message = f"The signature uses a broken hash algorithm ({signature.hash_algorithm!r})."
        return _fail(check_id, url, "weak_signature_hash", message, details)
    try:
        verified = pysequoia.verify(body, store=lambda _ids: certs)
    except Exception as exc:  # pysequoia signals every verification failure the same way
        return _fail(
            check_id,
            url,
            "bad_signature",
            f"The signature does not verify: {_first_line(exc)}",
            details,
        )
    signer = verified.valid_sigs[0]
    details.update(
        fingerprint=signer.certificate,
        signing_key=signer.signing_key,
        signed_at=signature.created.isoformat() if signature.created else None,
    )
    note = Finding("verified", f"The signature verifies with key {signer.certificate}.")
    return CheckResult(check_id, Status.PASS, url=url, notifications=[note], details=details)


def _signer(certs: list[pysequoia.Cert], issuers: set[str]) -> pysequoia.Cert | None:
    """The certificate holding a (sub)key whose fingerprint or key id is among `issuers`."""
    for cert in certs:
        handles = {cert.fingerprint}
        for packet in PacketPile.from_bytes(bytes(cert)):
            handles.update(h for h in (packet.fingerprint, packet.key_id) if h)
        if handles & issuers:
            return cert
    return None


def _fail(
    check_id: str,
    url: str | None,
    code: str,
    message: str,
    details: dict[str, object] | None = None,
) -> CheckResult:
    return CheckResult(
        check_id, Status.FAIL, url=url, errors=[Finding(code, message)], details=dict(details or {})
    )


def _first_line(exc: Exception) -> str:
    # Rust errors carry a backtrace after the first line when RUST_BACKTRACE is set.
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
