"""One hierarchy of domain errors: each app's refusals are kinds of the same few."""

from __future__ import annotations

import pytest

from accord import errors
from accord.accounts import services as accounts
from accord.catalogue.exceptions import CatalogueNotLoaded, SearchQueryTooLong
from accord.commitments import exceptions as adoption
from accord.evidence import services as evidence
from accord.figures.selectors import InvalidFilter, NoFigures


@pytest.mark.parametrize(
    "app_error", [accounts.NotAllowed, adoption.NotAllowed, evidence.NotAllowed]
)
def test_every_apps_not_allowed_is_the_one_not_allowed(app_error: type[errors.DomainError]) -> None:
    assert issubclass(app_error, errors.NotAllowed)
    assert app_error("no").http_status == 403


@pytest.mark.parametrize(
    ("app_error", "kind"),
    [
        (adoption.AlreadyCommitted, errors.Conflict),
        (adoption.CommitmentWithdrawn, errors.Conflict),
        (adoption.AlreadyReviewed, errors.Conflict),
        (accounts.AlreadyMember, errors.Conflict),
        (accounts.TwoFactorState, errors.Conflict),
        (evidence.ScanNotDue, errors.Conflict),
        (adoption.InvalidInput, errors.Invalid),
        (accounts.WeakPassword, errors.Invalid),
        (InvalidFilter, errors.Invalid),
        (NoFigures, errors.NotFound),
        (CatalogueNotLoaded, errors.NotFound),
        (adoption.UploadTooLarge, errors.TooLarge),
        (adoption.UnsupportedFileType, errors.UnsupportedType),
    ],
)
def test_app_errors_keep_their_names_and_are_kinds_of_the_shared_ones(
    app_error: type[errors.DomainError], kind: type[errors.DomainError]
) -> None:
    assert issubclass(app_error, kind)
    assert app_error.http_status == kind.http_status


def test_an_invalid_value_names_its_field_by_class_or_by_raise() -> None:
    assert accounts.WeakPassword("too short").field == "password"
    assert adoption.InvalidInput("past", field="target_date").field == "target_date"
    assert SearchQueryTooLong(200).field == "q"
    assert adoption.InvalidInput("no field").field is None


def test_the_field_is_shown_in_a_form_only_if_the_form_has_it() -> None:
    refusal = errors.Invalid("past", field="target_date")
    assert refusal.field_in({"target_date", "profile"}) == "target_date"
    assert refusal.field_in({"profile"}) is None
    assert errors.Invalid("whole form").field_in({"profile"}) is None


def test_an_apps_not_allowed_is_not_mistaken_for_an_invalid_value() -> None:
    # A view that catches Invalid to show it in the form must never swallow a refusal.
    for app_error in (accounts.NotAllowed, adoption.NotAllowed, evidence.NotAllowed):
        assert not issubclass(app_error, errors.Invalid)


def test_unreadable_input_is_a_400_that_still_names_its_field() -> None:
    refusal = errors.Unreadable("q contains a NUL byte.", field="q")
    assert refusal.http_status == 400
    assert errors.problem(refusal) == {"detail": "q contains a NUL byte.", "field": "q"}
    assert errors.problem(errors.Conflict("done")) == {"detail": "done", "field": None}
