"""The CVD app's domain exceptions, each a kind of `accord.errors.DomainError`, so the
pages and the API map them to a response in their one place each."""

from __future__ import annotations

from accord import errors
from accord.cvd.advisories.formats import Failure
from accord.cvd.states import StateConflict

__all__ = [
    "AttachmentTooLarge",
    "CvdError",
    "CveServicesNotConfigured",
    "CveServicesRefused",
    "DocumentsInvalid",
    "InvalidAttachment",
    "InvalidField",
    "NotAllowed",
    "NotFound",
    "NotReady",
    "RateLimited",
    "StateConflict",
]


class CvdError(errors.DomainError):
    """A disclosure step that cannot be taken; the message is meant for the person."""


class NotAllowed(CvdError, errors.NotAllowed):
    """The actor may not take this step."""


class NotFound(CvdError, errors.NotFound):
    """No such report, case or part of one that the actor may see."""


class InvalidField(CvdError, errors.Invalid):
    """A value that cannot be accepted: a malformed PURL, CPE or CVSS vector, an
    embargo date in the past. `field` names it."""


class AttachmentTooLarge(CvdError, errors.TooLarge):
    """A file over the attachment cap; the report's text is kept."""


class InvalidAttachment(CvdError, errors.UnsupportedType):
    """A file whose bytes are not of a type attachments may have."""


class RateLimited(CvdError, errors.TooManyRequests):
    """Too many reports from one address or reporter in the window."""


class CveServicesNotConfigured(CvdError, errors.Conflict):
    """CVE Services is asked for, but the instance has no credentials for it."""


class CveServicesRefused(CvdError):
    """CVE Services refused a request, or could not be reached; the message is its own."""

    http_status = 502
    title = "CVE Services refused"


class NotReady(CvdError, errors.Conflict):
    """The case lacks what an advisory needs: `missing` lists every item."""

    title = "Not ready to publish"

    def __init__(self, missing: list[str]) -> None:
        super().__init__("Not ready to publish: " + " ".join(missing))
        self.missing = tuple(missing)

    def extra(self) -> dict[str, object]:
        return {"missing": list(self.missing)}


class DocumentsInvalid(CvdError, errors.Invalid):
    """A format's document failed its validation; nothing was published. `failures`
    holds each (format, JSON path, message)."""

    title = "Documents not valid"

    def __init__(self, failures: list[Failure]) -> None:
        first = failures[0]
        more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
        super().__init__(
            f"Nothing was published: {first.format} {first.path}: {first.message}{more}"
        )
        self.failures = tuple(failures)

    def extra(self) -> dict[str, object]:
        return {
            "failures": [
                {"format": f.format, "path": f.path, "message": f.message} for f in self.failures
            ]
        }
