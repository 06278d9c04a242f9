"""The adoption app's domain exceptions, each a kind of `accord.errors.DomainError`.

Services raise them with a message meant for the person; the pages and the API turn
them into a response in one place each, by the status their kind names.
"""

from __future__ import annotations

from accord import errors


class AdoptionError(errors.DomainError):
    """A change to commitments that cannot be made; the message is meant for the person."""


class NotAllowed(AdoptionError, errors.NotAllowed):
    """The actor may not make this change."""


class UnknownPractice(AdoptionError, errors.Invalid):
    """No current practice in the catalogue has this id."""

    field = "practice"


class UnknownProfile(AdoptionError, errors.Invalid):
    """No profile in the catalogue has this id."""

    field = "profile"


class AlreadyCommitted(AdoptionError, errors.Conflict):
    """The organisation already has an active commitment to the practice."""


class CommitmentWithdrawn(AdoptionError, errors.Conflict):
    """The commitment was withdrawn; it takes no more proof."""


class AlreadyReviewed(AdoptionError, errors.Conflict):
    """The document has been reviewed already."""


class InvalidInput(AdoptionError, errors.Invalid):
    """A value that is well-formed but not acceptable: a past target date, an empty
    attestation, a rejection without a note, proof a practice does not take."""


class UploadTooLarge(AdoptionError, errors.TooLarge):
    """The uploaded file is larger than ACCORD_UPLOAD_MAX_BYTES."""


class UnsupportedFileType(AdoptionError, errors.UnsupportedType):
    """The uploaded file is not one of the accepted types, whatever its name says."""
