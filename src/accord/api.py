"""The JSON API at /api/v1/, with its OpenAPI document at /api/v1/openapi.json."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError

from accord import __version__
from accord.accounts.api import BearerToken
from accord.accounts.api import router as accounts_router
from accord.catalogue.api import router as catalogue_router
from accord.commitments.api import router as commitments_router
from accord.cvd.api import router as cvd_router
from accord.errors import DomainError, problem
from accord.evidence.api import router as evidence_router
from accord.figures.api import router as open_data_router

api = NinjaAPI(
    title="Accord API",
    version="1",
    description=(
        "Read the norms catalogue, and act for your organisation with an API token "
        "sent as `Authorization: Bearer <token>`."
    ),
    urls_namespace="api-v1",
    auth=None,
    # Swagger UI would otherwise show a badge from validator.swagger.io, sending the
    # document's address there; the pages' CSP blocks it anyway.
    docs=Swagger(settings={"validatorUrl": None}),
)
api.add_router("/catalogue/", catalogue_router)
api.add_router("/accounts/", accounts_router, auth=BearerToken())
api.add_router("/evidence/", evidence_router, auth=BearerToken())
api.add_router("/commitments/", commitments_router, auth=BearerToken())
api.add_router("/adoption/", open_data_router)
# Each CVD route names its own authentication: a report may be sent without an account.
api.add_router("/cvd/", cvd_router)


@api.get("/", summary="About this API", tags=["meta"])
def about(request: HttpRequest) -> dict[str, Any]:
    return {"name": "Accord", "version": __version__, "openapi": "/api/v1/openapi.json"}


@api.exception_handler(ValidationError)
def validation_failed(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """A value that does not fit the document: named in `field` as a refused value is
    (the first, if several), with every problem in `errors`."""
    field = next(filter(None, map(_field_of, exc.errors)), None)
    return api.create_response(
        request,
        {"detail": "Invalid request.", "field": field, "errors": exc.errors},
        status=422,
    )


def _field_of(error: dict[str, Any]) -> str | None:
    # `loc` is (where, [the body's parameter,] field, ...): ("query", "offset") or
    # ("body", "payload", "email").
    where, *path = error.get("loc", ("",))
    names = [str(part) for part in path[1 if where == "body" else 0 :]]
    return ".".join(names) or None


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request, {"detail": "A valid API token is required (Authorization: Bearer)."}, status=401
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    """The one place a refused change becomes an API response: the status its kind names,
    the message, and the field it is about (null when it is about no one field)."""
    return api.create_response(request, problem(exc), status=exc.http_status)
