"""The adoption app's domain exceptions, and the HTTP status each one answers with.

Services raise them with a message meant for the person; the pages and the API turn
them into a response with `http_status`, so both answer the same mistake the same way.
"""

from __future__ import annotations


class AdoptionError(Exception):
    """A change to commitments that cannot be made; the message is meant for the person."""

    http_status = 400


class NotAllowed(AdoptionError):
    """The actor may not make this change."""

    http_status = 403


class UnknownPractice(AdoptionError):
    """No current practice in the catalogue has this id."""

    http_status = 422


class UnknownProfile(AdoptionError):
    """No profile in the catalogue has this id."""

    http_status = 422


class AlreadyCommitted(AdoptionError):
    """The organisation already has an active commitment to the practice."""

    http_status = 409


class CommitmentWithdrawn(AdoptionError):
    """The commitment was withdrawn; it takes no more proof."""

    http_status = 409


class AlreadyReviewed(AdoptionError):
    """The document has been reviewed already."""

    http_status = 409


class InvalidInput(AdoptionError):
    """A value that is well-formed but not acceptable: a past target date, an empty
    attestation, a rejection without a note, proof a practice does not take."""

    http_status = 422


class UploadTooLarge(AdoptionError):
    """The uploaded file is larger than ACCORD_UPLOAD_MAX_BYTES."""

    http_status = 413


class UnsupportedFileType(AdoptionError):
    """The uploaded file is not one of the accepted types, whatever its name says."""

    http_status = 415
