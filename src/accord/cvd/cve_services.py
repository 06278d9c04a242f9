"""CVE Services, for a coalition that is a CNA: reserving CVE ids and publishing the CNA
container of each CVE record.

`CveServices` is the small interface the services use; `CvelibServices` speaks to the
real CVE Services through cvelib's `CveApi`, and `InMemoryCveServices` stands in for it
in tests. `connect()` makes the one `settings.ACCORD_CVE_SERVICES` names.

The credentials come from the environment only (ACCORD_CVE_SERVICES_ORG, _USER,
_API_KEY, and _URL), through the settings: nothing here writes them anywhere, and an
error's message is the one CVE Services gave, never the request that carried the key.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import requests
from cvelib.cve_api import CveApi, CveRecordValidationError
from django.conf import settings
from django.utils.module_loading import import_string

from accord.cvd.exceptions import CveServicesNotConfigured, CveServicesRefused

RESERVED, PUBLISHED, REJECTED = "RESERVED", "PUBLISHED", "REJECTED"
MAX_MESSAGE = 300


class CveServices(Protocol):
    """What Accord asks of CVE Services. Each method raises `CveServicesRefused` with the
    service's own message when it refuses or cannot be reached."""

    def state(self, cve_id: str) -> str:
        """The id's state: RESERVED, PUBLISHED or REJECTED."""

    def publish(self, cve_id: str, container: dict[str, Any]) -> None:
        """Publish the first CNA container of a reserved id."""

    def update_published(self, cve_id: str, container: dict[str, Any]) -> None:
        """Replace the CNA container of a published (or rejected) id."""

    def reject(self, cve_id: str, container: dict[str, Any]) -> None:
        """Reject a reserved id, with a rejected CNA container."""

    def update_rejected(self, cve_id: str, container: dict[str, Any]) -> None:
        """Reject a published id, or replace the rejected container of a rejected one."""

    def reserve(self, year: int) -> str:
        """Reserve one CVE id of `year` and return it."""


def connect() -> CveServices:
    """The CVE Services `settings.ACCORD_CVE_SERVICES` makes; `CveServicesNotConfigured`
    when the instance has no credentials for it."""
    made: CveServices = import_string(settings.ACCORD_CVE_SERVICES)()
    return made


def from_settings() -> CvelibServices:
    """The real CVE Services, with the credentials from the environment."""
    wanted = {
        "ACCORD_CVE_SERVICES_ORG": settings.ACCORD_CVE_SERVICES_ORG,
        "ACCORD_CVE_SERVICES_USER": settings.ACCORD_CVE_SERVICES_USER,
        "ACCORD_CVE_SERVICES_API_KEY": settings.ACCORD_CVE_SERVICES_API_KEY,
    }
    missing = [name for name, value in wanted.items() if not value]
    if missing:
        raise CveServicesNotConfigured(
            "CVE Services is not configured: set " + ", ".join(missing) + " in the environment."
        )
    url = settings.ACCORD_CVE_SERVICES_URL.rstrip("/") + "/"
    api = CveApi(
        username=settings.ACCORD_CVE_SERVICES_USER,
        org=settings.ACCORD_CVE_SERVICES_ORG,
        api_key=settings.ACCORD_CVE_SERVICES_API_KEY,
        url=url,
    )
    return CvelibServices(api)


def _refusal(exc: requests.RequestException) -> CveServicesRefused:
    """The error to show for a failed request: CVE Services' own message when it answered,
    else that it could not be reached (without the request, which carries the key)."""
    response = exc.response
    if response is None:
        return CveServicesRefused(f"CVE Services could not be reached ({type(exc).__name__}).")
    try:
        body = response.json()
    except ValueError:
        body = {}
    said = ""
    if isinstance(body, dict):
        said = str(body.get("message") or body.get("error") or "")
        details = body.get("details")
        if isinstance(details, list) and details:
            said += " " + "; ".join(_detail(d) for d in details[:3])
    said = " ".join(said.split())[:MAX_MESSAGE] or response.reason or "no reason given"
    return CveServicesRefused(f"CVE Services refused ({response.status_code}): {said}")


def _detail(detail: object) -> str:
    if isinstance(detail, dict):
        return str(detail.get("msg") or detail.get("message") or detail)
    return str(detail)


@dataclass
class CvelibServices:
    """CVE Services through cvelib. The containers are validated here (by cvelib, against
    its bundled schema) before they are sent."""

    api: CveApi

    def _call(self, method: str, *args: Any) -> Any:
        try:
            return getattr(self.api, method)(*args)
        except requests.RequestException as exc:
            raise _refusal(exc) from None
        except CveRecordValidationError as exc:
            first = exc.errors[0].message if exc.errors else str(exc)
            raise CveServicesRefused(f"The CVE record is not valid: {first}") from None

    def state(self, cve_id: str) -> str:
        return str(self._call("show_cve_id", cve_id).get("state", ""))

    def publish(self, cve_id: str, container: dict[str, Any]) -> None:
        self._call("publish", cve_id, container)

    def update_published(self, cve_id: str, container: dict[str, Any]) -> None:
        self._call("update_published", cve_id, container)

    def reject(self, cve_id: str, container: dict[str, Any]) -> None:
        self._call("reject", cve_id, container)

    def update_rejected(self, cve_id: str, container: dict[str, Any]) -> None:
        self._call("update_rejected", cve_id, container)

    def reserve(self, year: int) -> str:
        answer = self._call("reserve", 1, False, str(year))
        try:
            return str(answer["cve_ids"][0]["cve_id"])
        except (KeyError, IndexError, TypeError):
            raise CveServicesRefused("CVE Services reserved no CVE id.") from None


@dataclass
class InMemoryCveServices:
    """CVE Services in memory, for tests: ids by state, the containers sent, and a
    `refusal` message that makes every call refused."""

    ids: dict[str, str] = field(default_factory=dict)
    containers: dict[str, dict[str, Any]] = field(default_factory=dict)
    refusal: str = ""
    next_number: int = 1000

    def _check(self, cve_id: str, *states: str) -> None:
        if self.refusal:
            raise CveServicesRefused(f"CVE Services refused: {self.refusal}")
        if cve_id and self.ids.get(cve_id) not in states:
            raise CveServicesRefused(f"CVE Services refused: {cve_id} is not {'/'.join(states)}.")

    def state(self, cve_id: str) -> str:
        self._check(cve_id, RESERVED, PUBLISHED, REJECTED)
        return self.ids[cve_id]

    def _store(self, cve_id: str, container: dict[str, Any], state: str) -> None:
        self.ids[cve_id] = state
        self.containers[cve_id] = container

    def publish(self, cve_id: str, container: dict[str, Any]) -> None:
        self._check(cve_id, RESERVED)
        self._store(cve_id, container, PUBLISHED)

    def update_published(self, cve_id: str, container: dict[str, Any]) -> None:
        self._check(cve_id, PUBLISHED, REJECTED)
        self._store(cve_id, container, PUBLISHED)

    def reject(self, cve_id: str, container: dict[str, Any]) -> None:
        self._check(cve_id, RESERVED)
        self._store(cve_id, container, REJECTED)

    def update_rejected(self, cve_id: str, container: dict[str, Any]) -> None:
        self._check(cve_id, PUBLISHED, REJECTED)
        self._store(cve_id, container, REJECTED)

    def reserve(self, year: int) -> str:
        self._check("")
        cve_id = f"CVE-{year}-{self.next_number}"
        self.next_number += 1
        self.ids[cve_id] = RESERVED
        return cve_id
