"""The public catalogue API at /api/v1/catalogue/: frameworks, practices, profiles, exports.

No authentication: the catalogue is public. Unknown ids answer 404 with `{"detail": ...}`;
bad query values answer 422.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import HttpError

from accord.apischema import MAX_ID_LENGTH, refusals
from accord.catalogue import selectors
from accord.catalogue.exceptions import CatalogueNotLoaded
from accord.catalogue.exports import MEDIA_TYPES, export_catalogue
from accord.catalogue.models import Framework, Norm, Practice, Profile
from accord.catalogue.selectors import MAX_QUERY_LENGTH

router = Router(tags=["catalogue"])


# Beyond any page of the catalogue; a larger offset would only ever answer an empty page,
# and one past 2**63 is more than the database can take.
MAX_OFFSET = 100_000
FrameworkId = Annotated[str, Path(max_length=MAX_ID_LENGTH, examples=["un-gge-2015"])]
PracticeId = Annotated[str, Path(max_length=MAX_ID_LENGTH, examples=["cvd.security-txt"])]
ProfileId = Annotated[str, Path(max_length=MAX_ID_LENGTH, examples=["cvd-baseline"])]


class CatalogueSummaryOut(Schema):
    version: str
    released_on: date | None
    frameworks: int
    norms: int
    practices: int = Field(description="Current practices (withdrawn ones left out)")
    automated: int = Field(description="Practices verified by an automated check")
    profiles: int


class SourceOut(Schema):
    title: str
    url: str


class NormOut(Schema):
    id: str = Field(alias="key", description="Id within the framework, e.g. 13j")
    qualified_id: str = Field(description="`<framework>:<norm>`, as the `norm` filter takes it")
    reference: str
    title: str
    summary: str
    private_sector_actionable: bool
    actionability: str = Field(alias="actionability_note")
    practice_count: int


class NormDetailOut(NormOut):
    practices: list[str] = Field(description="Ids of the current practices that serve it")

    @staticmethod
    def resolve_practices(obj: Norm) -> list[str]:
        return [m.practice.slug for m in getattr(obj, "current_mappings", [])]


class FrameworkOut(Schema):
    id: str = Field(alias="slug")
    title: str
    short_title: str
    publisher: str
    year: int
    source: SourceOut
    description: str
    norms: list[NormOut]

    @staticmethod
    def resolve_source(obj: Framework) -> dict[str, str]:
        return {"title": obj.source_title, "url": obj.source_url}

    @staticmethod
    def resolve_norms(obj: Framework) -> list[Norm]:
        return list(obj.norms.all())


class FrameworkDetailOut(FrameworkOut):
    norms: list[NormDetailOut]  # type: ignore[assignment]


class ReferenceOut(Schema):
    standard: str
    section: str | None = None
    url: str | None = None


class MappingOut(Schema):
    framework: str
    norm: str
    interpretation: str


class PracticeOut(Schema):
    id: str = Field(alias="slug")
    area: str
    title: str
    statement: str
    verification: str = Field(description="`automated:<check-id>`, `document` or `attestation`")
    level: Literal["baseline", "advanced"]
    norms: list[str] = Field(description="The norms it serves, as `<framework>:<norm>`")

    @staticmethod
    def resolve_area(obj: Practice) -> str:
        return obj.area.slug

    @staticmethod
    def resolve_verification(obj: Practice) -> str:
        return obj.verification_method

    @staticmethod
    def resolve_norms(obj: Practice) -> list[str]:
        return [m.norm.qualified_id for m in obj.mappings.all()]


class PracticeDetailOut(PracticeOut):
    rationale: str
    evidence: str
    references: list[ReferenceOut]
    mappings: list[MappingOut]
    profiles: list[str]
    introduced_in: str
    withdrawn_in: str | None

    @staticmethod
    def resolve_mappings(obj: Practice) -> list[dict[str, str]]:
        return [
            {
                "framework": m.norm.framework.slug,
                "norm": m.norm.key,
                "interpretation": m.interpretation,
            }
            for m in obj.mappings.all()
        ]

    @staticmethod
    def resolve_profiles(obj: Practice) -> list[str]:
        return [p.slug for p in obj.profiles.all()]


class PracticePage(Schema):
    count: int = Field(description="Practices matching the filters, on all pages")
    limit: int
    offset: int
    items: list[PracticeOut]


class PracticeFilters(Schema):
    area: str | None = Field(None, max_length=MAX_ID_LENGTH, description="Area id, e.g. cvd")
    level: Literal["baseline", "advanced"] | None = None
    verification: Literal["automated", "document", "attestation"] | None = None
    framework: str | None = Field(
        None, max_length=MAX_ID_LENGTH, description="Framework id: practices serving any norm"
    )
    norm: str | None = Field(
        None,
        pattern=r"^[^:]+:[^:]+$",
        max_length=MAX_ID_LENGTH,
        description="`<framework>:<norm>`",
    )
    q: str | None = Field(None, max_length=MAX_QUERY_LENGTH, description="Search words, ANDed")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class ProfileOut(Schema):
    id: str = Field(alias="slug")
    title: str
    description: str
    practices: list[str] = Field(description="Ids of its current practices")

    @staticmethod
    def resolve_practices(obj: Profile) -> list[str]:
        return [p.slug for p in getattr(obj, "current_practices", [])]


@router.get(
    "/",
    response={200: CatalogueSummaryOut, **refusals(404)},
    summary="Catalogue version and figures",
)
def summary(request: HttpRequest) -> Any:
    found = selectors.catalogue_summary()
    if found is None:
        raise CatalogueNotLoaded
    return found


@router.get("/frameworks", response=list[FrameworkOut], summary="Frameworks and their norms")
def list_frameworks(request: HttpRequest) -> Any:
    return selectors.list_frameworks()


@router.get(
    "/frameworks/{framework_id}",
    response={200: FrameworkDetailOut, **refusals(400, 404, 422)},
    summary="A framework",
)
def get_framework(request: HttpRequest, framework_id: FrameworkId) -> Any:
    found = selectors.get_framework(framework_id)
    if found is None:
        raise HttpError(404, f"No framework with id {framework_id!r}.")
    return found


@router.get("/practices", response={200: PracticePage, **refusals(400, 422)}, summary="Practices")
def list_practices(request: HttpRequest, filters: Query[PracticeFilters]) -> Any:
    """Current practices in catalogue order, or best match first with `q`; one page."""
    practices = selectors.list_practices(
        area=filters.area,
        level=filters.level,
        verification=filters.verification,
        framework=filters.framework,
        norm=filters.norm,
        query=filters.q,
    )
    end = filters.offset + filters.limit
    items = list(practices[filters.offset : end])
    return {
        "count": practices.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": items,
    }


@router.get(
    "/practices/{practice_id}",
    response={200: PracticeDetailOut, **refusals(400, 404, 422)},
    summary="A practice",
)
def get_practice(request: HttpRequest, practice_id: PracticeId) -> Any:
    found = selectors.get_practice(practice_id)
    if found is None:
        raise HttpError(404, f"No practice with id {practice_id!r}.")
    return found


@router.get("/profiles", response=list[ProfileOut], summary="Profiles")
def list_profiles(request: HttpRequest) -> Any:
    return selectors.list_profiles()


@router.get(
    "/profiles/{profile_id}",
    response={200: ProfileOut, **refusals(400, 404, 422)},
    summary="A profile",
)
def get_profile(request: HttpRequest, profile_id: ProfileId) -> Any:
    found = selectors.get_profile(profile_id)
    if found is None:
        raise HttpError(404, f"No profile with id {profile_id!r}.")
    return found


_EXPORT_RESPONSES = {
    200: {
        "description": "The catalogue as open data: JSON (`format=json`, the default) or the "
        "same document as YAML (`format=yaml`); or an OSCAL catalog in JSON (`format=oscal`)",
        "content": {
            "application/json": {"schema": {"type": "object"}},
            # A YAML reader gives the same object as the JSON export.
            "application/yaml": {"schema": {"type": "object"}},
        },
    }
}


@router.get(
    "/export",
    response=refusals(400, 404, 422),
    summary="The whole catalogue as open data or OSCAL",
    openapi_extra={"responses": _EXPORT_RESPONSES},
)
def export(
    request: HttpRequest,
    fmt: Literal["json", "yaml", "oscal"] = Query("json", alias="format"),
) -> HttpResponse:
    text = export_catalogue(fmt=fmt)
    response = HttpResponse(text, content_type=f"{MEDIA_TYPES[fmt]}; charset=utf-8")
    name = "catalogue.oscal.json" if fmt == "oscal" else f"catalogue.{fmt}"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response
