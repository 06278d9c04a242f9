"""Reading advisories: what a case still lacks before it is published, a case's
advisory and its revisions for those who may read it, and the public list.

Who reads an advisory is `AdvisoryQuerySet.visible_to` (`CVD_ADVISORY_VIEW`): a
TLP:CLEAR one anyone, any other only those in its case. The public pages read only
`Advisory.objects.public()`: a non-CLEAR advisory is not there for anyone, nor a
version of a TLP:CLEAR one that was published at another level.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet

from accord.cvd import rules
from accord.cvd.models import Advisory, AdvisoryRevision, Case, Statement

if TYPE_CHECKING:
    from accord.access import Viewer

ADVISORIES_PER_PAGE = 20
MAX_SEARCH = 200
MAX_VERSION = 2**31 - 1


def missing_for_publication(case: Case) -> list[str]:
    """Every item the case lacks before its advisory may be published, in reading
    order; empty when it is ready."""
    vulnerabilities = list(case.vulnerabilities.order_by("number").prefetch_related("products"))
    if not vulnerabilities:
        return ["The case has no vulnerability."]
    vendors = list(
        case.participants.filter(role=rules.VENDOR, removed_at__isnull=True).order_by("name", "pk")
    )
    stated = set(
        Statement.objects.filter(vulnerability__case=case, participant__in=vendors).values_list(
            "vulnerability_id", "participant_id"
        )
    )
    missing = []
    for vulnerability in vulnerabilities:
        label = f"V{vulnerability.number}"
        if not vulnerability.products.all():
            missing.append(f"{label} names no affected product.")
        if not vendors:
            missing.append(f"{label} has no vendor statement: the case has no vendor.")
        missing.extend(
            f"{label} has no statement from {vendor.name}."
            for vendor in vendors
            if (vulnerability.pk, vendor.pk) not in stated
        )
    return missing


def advisory_of(user: Viewer, case: Case) -> Advisory | None:
    """The case's advisory, if published and `user` may read it."""
    return Advisory.objects.visible_to(user).filter(case=case).first()


def advisory_for(user: Viewer, reference: str) -> Advisory | None:
    """The advisory of case `reference` if `user` may read it; None whether or not it
    exists."""
    if not reference or len(reference) > 40:
        return None
    return Advisory.objects.visible_to(user).filter(tracking_id=reference).first()


def revisions_of(user: Viewer, advisory: Advisory) -> QuerySet[AdvisoryRevision]:
    """Its versions `user` reads, newest first: all of them inside the case, else only
    those published at TLP:CLEAR (`AdvisoryRevisionQuerySet.visible_to`)."""
    return AdvisoryRevision.objects.visible_to(user).filter(advisory=advisory).order_by("-number")


def revision_of(user: Viewer, advisory: Advisory, number: int) -> AdvisoryRevision | None:
    """Version `number` if `user` reads it; None whether or not it exists."""
    if not 1 <= number <= MAX_VERSION:
        return None
    return revisions_of(user, advisory).filter(number=number).first()


# The public site --------------------------------------------------------------------


def public_advisories(*, text: str = "") -> QuerySet[Advisory]:
    """The TLP:CLEAR advisories, newest release first, those where `text` appears in the
    tracking id, title, summary, a CVE id or a vendor's name if given."""
    found = Advisory.objects.public()
    text = " ".join(text.split())[:MAX_SEARCH]
    if text:
        found = found.filter(
            Q(tracking_id__iexact=text)
            | Q(title__icontains=text)
            | Q(summary__icontains=text)
            | Q(cve_ids__icontains=text)
            | Q(snapshot__products__icontains=text)
        )
    return found.order_by("-current_release_at", "-id")


def public_page(*, text: str = "", page: str | int | None = 1) -> Page[Advisory]:
    return Paginator(public_advisories(text=text), ADVISORIES_PER_PAGE).get_page(page)


def public_advisory(tracking_id: str) -> Advisory | None:
    """A TLP:CLEAR advisory by its tracking id; None for any other, for everyone."""
    if not tracking_id or len(tracking_id) > 40:
        return None
    return Advisory.objects.public().filter(tracking_id=tracking_id).first()


def public_revisions(advisory: Advisory) -> QuerySet[AdvisoryRevision]:
    """Its versions published at TLP:CLEAR, newest first: one published at another level
    stays inside the case even once the advisory is TLP:CLEAR."""
    return AdvisoryRevision.objects.public().filter(advisory=advisory).order_by("-number")


def public_revision(advisory: Advisory, number: int) -> AdvisoryRevision | None:
    if not 1 <= number <= MAX_VERSION:
        return None
    return public_revisions(advisory).filter(number=number).first()
