"""The OpenPGP wrapper: which keys mail may be encrypted to, and a message that the
recipient's secret key decrypts."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pysequoia
import pytest

from accord.cvd import openpgp


@pytest.fixture(scope="module")
def secret() -> pysequoia.Tsk:
    return pysequoia.Tsk.generate("PSIRT <psirt@example.com>")


def armour(key: pysequoia.Tsk) -> str:
    return str(key.extract_certificate())


def test_a_public_key_is_read_with_its_fingerprint_and_encrypts_to_its_owner(
    secret: pysequoia.Tsk,
) -> None:
    key = openpgp.read_public_key(armour(secret))
    assert key.fingerprint == secret.extract_certificate().fingerprint.upper()
    assert key.armoured.startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")
    message = openpgp.encrypt("Tracking id T-1: the embargo ends Friday.", key)
    assert message.startswith("-----BEGIN PGP MESSAGE-----")
    assert "embargo" not in message
    plain = pysequoia.decrypt(message.encode(), decryptor=secret.decryptor())
    assert bytes(plain.bytes).decode() == "Tracking id T-1: the embargo ends Friday."


def test_binary_keys_are_read_too(secret: pysequoia.Tsk) -> None:
    binary = bytes(secret.extract_certificate())
    assert (
        openpgp.read_public_key(binary).fingerprint
        == secret.extract_certificate().fingerprint.upper()
    )


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ("", "No key was given."),
        ("   \n", "No key was given."),
        ("x" * (openpgp.MAX_KEY_BYTES + 1), "A key is at most 256 KiB."),
        ("hello", "Not an OpenPGP public key"),
        ("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nabc\n", "Not an OpenPGP public key"),
    ],
)
def test_what_is_not_one_usable_key_is_refused(data: str, problem: str) -> None:
    with pytest.raises(openpgp.KeyProblem) as refused:
        openpgp.read_public_key(data)
    assert str(refused.value).startswith(problem)


def test_two_keys_at_once_are_refused(secret: pysequoia.Tsk) -> None:
    other = pysequoia.Tsk.generate("Other <other@example.com>")
    with pytest.raises(openpgp.KeyProblem, match="Give one key, not several"):
        openpgp.read_public_key(armour(secret) + armour(other))


def test_a_secret_key_is_refused(secret: pysequoia.Tsk) -> None:
    with pytest.raises(openpgp.KeyProblem, match="secret key"):
        openpgp.read_public_key(str(secret))


def test_a_revoked_key_is_refused(secret: pysequoia.Tsk) -> None:
    cert = secret.extract_certificate()
    revoked = str(cert) + str(cert.revoke(secret.certifier()))
    with pytest.raises(openpgp.KeyProblem, match="revoked"):
        openpgp.read_public_key(revoked)


def test_an_expired_key_is_refused() -> None:
    brief = pysequoia.Tsk.generate("Brief <brief@example.com>", validity_seconds=1)
    cert = brief.extract_certificate()
    expires = cert.expiration
    assert expires is not None
    assert openpgp.read_public_key(str(cert), now=expires - timedelta(seconds=1)).fingerprint
    while datetime.now(UTC) <= expires:
        time.sleep(0.1)
    with pytest.raises(openpgp.KeyProblem, match="expired"):
        openpgp.read_public_key(str(cert))


def test_a_key_mail_cannot_be_encrypted_to_is_refused(
    secret: pysequoia.Tsk, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: object, **_kwargs: object) -> bytes:
        raise RuntimeError("No binding signature at time\n\nStack backtrace: ...")

    monkeypatch.setattr(openpgp.pysequoia, "encrypt", refuse)
    with pytest.raises(openpgp.KeyProblem) as refused:
        openpgp.read_public_key(armour(secret))
    assert str(refused.value) == (
        "Mail cannot be encrypted to this key (No binding signature at time)."
    )
