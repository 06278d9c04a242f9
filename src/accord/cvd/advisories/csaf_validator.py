"""The BSI CSAF validator's mandatory tests (CSAF 2.0 section 6.1), run before publication.

The JSON schema cannot say that a product id is defined once, that a CVSS score matches
its vector or that a CWE name is MITRE's: the mandatory tests do, and no maintained Python
library runs them. So a small node script (`tools/csaf-validator/validate.mjs`, setting
ACCORD_CSAF_VALIDATOR) runs `@secvisogram/csaf-validator-lib` in a subprocess, with a
timeout and a size cap, and its errors come back as `Failure`s with their JSON paths.
Without node or the library the caller validates against the schema alone, and says so in
the log.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from accord.cvd.advisories.formats import Failure
from accord.engine import limits

logger = logging.getLogger(__name__)

# Loading the library alone takes seconds on a busy machine.
TIMEOUT_SECONDS = 60.0
# The script refuses more than 16 MiB; a CSAF document is rarely a tenth of that.
MAX_DOCUMENT_BYTES = 8 * 1024 * 1024
MAX_FAILURES = 50
_OUTPUT_LIMITS = limits.Limits(max_bytes=4 * 1024 * 1024)
_SKIPPED: ContextVar[bool] = ContextVar("csaf_validator_skipped", default=False)


@contextmanager
def skipped() -> Iterator[None]:
    """Inside it, the mandatory tests are not run (as if the validator were not
    installed): the lead's preview, shown at every visit, checks the schema alone;
    publication runs the full validator."""
    token = _SKIPPED.set(True)
    try:
        yield
    finally:
        _SKIPPED.reset(token)


def configured_script() -> str:
    from django.conf import settings

    return str(getattr(settings, "ACCORD_CSAF_VALIDATOR", "") or "")


def available(script: str | None = None) -> bool:
    """Whether node and the validator script are there to run."""
    path = configured_script() if script is None else script
    return bool(path) and Path(path).is_file() and shutil.which("node") is not None


def json_path(instance_path: str) -> str:
    """`/vulnerabilities/0/cwe/name` (a JSON pointer) as `$.vulnerabilities[0].cwe.name`."""
    path = "$"
    for token in instance_path.split("/")[1:] if instance_path else ():
        token = token.replace("~1", "/").replace("~0", "~")
        path += f"[{token}]" if token.isdigit() else f".{token}"
    return path


def mandatory_test_failures(
    document: dict[str, Any], *, format_key: str, script: str | None = None
) -> list[Failure] | None:
    """The document's failures of the mandatory tests; None when the validator is not
    installed or `skipped` (the caller then relies on the schema alone)."""
    if _SKIPPED.get():
        return None
    found = mandatory_test_failures_of_each([document], format_key=format_key, script=script)
    return None if found is None else found[0]


def mandatory_test_failures_of_each(
    documents: Sequence[dict[str, Any]], *, format_key: str, script: str | None = None
) -> list[list[Failure]] | None:
    """The failures of each document, in order, from one run of the validator (loading
    the library takes seconds); None when the validator is not installed."""
    path = configured_script() if script is None else script
    if not available(path):
        logger.warning(
            "CSAF validator not installed (node and %s): %s checked against the JSON schema "
            "only, without the mandatory tests of CSAF 2.0 section 6.1",
            path or "ACCORD_CSAF_VALIDATOR",
            format_key,
        )
        return None
    data = json.dumps(list(documents), ensure_ascii=False).encode()
    if len(data) > MAX_DOCUMENT_BYTES:
        refused = f"larger than {MAX_DOCUMENT_BYTES} bytes: not validated"
        return [[_failure(format_key, "$", refused)] for _ in documents]
    outcome = _run(path, data, format_key)
    if isinstance(outcome, Failure):
        return [[outcome] for _ in documents]
    if len(outcome) != len(documents):
        broken = _failure(format_key, "$", "the CSAF validator answered for other documents")
        return [[broken] for _ in documents]
    return outcome


def _run(script: str, data: bytes, format_key: str) -> list[list[Failure]] | Failure:
    node = shutil.which("node") or "node"
    # A bare environment: no proxy settings, nothing of the server's secrets.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "NODE_OPTIONS": ""}
    try:
        done = subprocess.run(  # noqa: S603 - fixed argv, no shell
            [node, script, "--batch"],
            input=data,
            capture_output=True,
            timeout=TIMEOUT_SECONDS,
            cwd=Path(script).parent,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return _failure(format_key, "$", f"the CSAF validator took over {TIMEOUT_SECONDS:g} s")
    except OSError as exc:
        return _failure(format_key, "$", f"the CSAF validator could not run: {exc}")
    if done.returncode != 0:
        reason = done.stderr.decode(errors="replace").strip()[-300:] or f"exit {done.returncode}"
        return _failure(format_key, "$", f"the CSAF validator failed: {reason}")
    try:
        results = limits.parse_json(done.stdout, _OUTPUT_LIMITS)
        return [_failures(format_key, result["errors"]) for result in results]
    except (limits.ParseRefused, KeyError, TypeError, AttributeError) as exc:
        return _failure(format_key, "$", f"the CSAF validator answered nonsense: {exc}")


def _failures(format_key: str, errors: list[dict[str, Any]]) -> list[Failure]:
    return [
        _failure(
            format_key,
            json_path(str(error.get("instancePath", ""))),
            f"{error.get('test', 'mandatory test')}: {error.get('message', '')}"[:500],
        )
        for error in errors[:MAX_FAILURES]
    ]


def _failure(format_key: str, path: str, message: str) -> Failure:
    return Failure(format=format_key, path=path, message=message)
