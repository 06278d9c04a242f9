"""The CVD app's domain exceptions, each a kind of `accord.errors.DomainError`, so the
pages and the API map them to a response in their one place each."""

from __future__ import annotations

from accord import errors
from accord.cvd.states import StateConflict

__all__ = [
    "AttachmentTooLarge",
    "CvdError",
    "CveServicesNotConfigured",
    "CveServicesRefused",
    "InvalidAttachment",
    "InvalidField",
    "NotAllowed",
    "NotFound",
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
