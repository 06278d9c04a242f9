"""Reading cases: the list, a case's overview, its participants, vulnerabilities and
products, the vendors its products suggest, the products organisations declare, and
the invitations sent to vendors outside the coalition. Each read goes through
`accord.cvd.rules`; outside a case, nothing of it is found."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch, Q, QuerySet

from accord.access import Permission, has_perm
from accord.accounts import capabilities
from accord.accounts import selectors as accounts
from accord.cvd import rules
from accord.cvd.models import (
    AffectedProduct,
    Case,
    Participant,
    ParticipantInvitation,
    Post,
    VendorProduct,
    Vulnerability,
)
from accord.cvd.selectors import cases_for

if TYPE_CHECKING:
    from accord.access import Viewer
    from accord.accounts.models import Organisation

PARTICIPANTS_PER_PAGE = 50
CASES_PER_PAGE = 25
ANONYMOUS_REPORTER = "Reporter (anonymous)"


MAX_SEARCH = 200


def _search(user: Viewer, text: str) -> Q:
    """Cases in which `text` appears in what `user` may read of them: the reference, the
    title or summary, a vulnerability's title or CVE id, an affected product, or a post of
    a thread they read. Each part is asked through its own rule."""
    vulnerabilities = Vulnerability.objects.visible_to(user).filter(
        Q(title__icontains=text) | Q(cve_id__iexact=text)
    )
    products = AffectedProduct.objects.visible_to(user).filter(
        Q(purl__icontains=text) | Q(cpe__icontains=text)
    )
    posts = Post.objects.visible_to(user).filter(body__icontains=text)
    return (
        Q(reference__iexact=text)
        | Q(title__icontains=text)
        | Q(summary__icontains=text)
        | Q(pk__in=vulnerabilities.values("case_id"))
        | Q(pk__in=products.values("vulnerability__case_id"))
        | Q(pk__in=posts.values("thread__case_id"))
    )


def filtered_cases(
    user: Viewer, *, embargo_state: str = "", tlp: str = "", text: str = ""
) -> QuerySet[Case]:
    """The viewer's cases, newest first, by embargo state and TLP level if given, and
    those where `text` appears in what the viewer may read, each with the number of its
    vulnerabilities."""
    found = cases_for(user)
    text = text.strip()[:MAX_SEARCH]
    if text:
        found = found.filter(_search(user, text))
    if embargo_state:
        found = found.filter(embargo_state=embargo_state)
    if tlp:
        found = found.filter(tlp=tlp)
    # Meta.ordering does not apply to a query that aggregates: say it again.
    counted = found.annotate(vulnerability_count=Count("vulnerabilities", distinct=True))
    return counted.order_by("-opened_at", "-id")


def cases_page(user: Viewer, *, page: str | int | None, **wanted: str) -> Page[Case]:
    return Paginator(filtered_cases(user, **wanted), CASES_PER_PAGE).get_page(page)


def vulnerabilities_of(user: Viewer, case: Case) -> list[Vulnerability]:
    """The case's vulnerabilities with their products and SSVC decision, in order."""
    return list(
        Vulnerability.objects.visible_to(user)
        .filter(case=case)
        .select_related("ssvc")
        .prefetch_related(Prefetch("products", queryset=AffectedProduct.objects.order_by("id")))
    )


def vulnerability_for(user: Viewer, case: Case, number: int) -> Vulnerability | None:
    return (
        Vulnerability.objects.visible_to(user)
        .filter(case=case, number=number)
        .select_related("ssvc", "case")
        .first()
    )


def affected_product_for(
    user: Viewer, vulnerability: Vulnerability, product_id: int
) -> AffectedProduct | None:
    return (
        AffectedProduct.objects.visible_to(user)
        .filter(vulnerability=vulnerability, pk=product_id)
        .select_related("vulnerability__case")
        .first()
    )


def participants_of(user: Viewer, case: Case) -> QuerySet[Participant]:
    """Who takes part in the case, as far as the viewer may see, with what each row
    shows fetched at once."""
    return (
        Participant.objects.visible_to(user)
        .filter(case=case)
        .select_related("organisation", "user")
        .order_by("role", "name", "id")
    )


def participants_page(user: Viewer, case: Case, page: str | int | None) -> Page[Participant]:
    return Paginator(participants_of(user, case), PARTICIPANTS_PER_PAGE).get_page(page)


def participant_for(user: Viewer, case: Case, participant_id: int) -> Participant | None:
    return participants_of(user, case).filter(pk=participant_id).first()


def own_participants(user: Viewer, case: Case) -> list[Participant]:
    """The participants of `case` the viewer is (in person, or through its
    organisation): the rows whose tracking id and report state it sets."""
    return list(
        rules.mine(user).filter(case=case).select_related("organisation").order_by("role", "id")
    )


def shown_name(participant: Participant, *, reporter_known: bool) -> str:
    """The participant's name as the viewer may know it: a reporter who chose to stay
    anonymous is not named to those who may not know them (`CVD_REPORTER_VIEW`)."""
    if participant.role == Participant.Role.REPORTER and not reporter_known:
        return ANONYMOUS_REPORTER
    return participant.name


def reporter_known(user: Viewer, case: Case) -> bool:
    return has_perm(user, Permission.CVD_REPORTER_VIEW, case)


def invitations_of(user: Viewer, case: Case) -> list[ParticipantInvitation]:
    """The invitations sent in `case`, for its lead."""
    return list(
        ParticipantInvitation.objects.visible_to(user)
        .filter(participant__case=case)
        .select_related("participant", "accepted_by")
    )


def invitation_in(user: Viewer, case: Case, invitation_id: int) -> ParticipantInvitation | None:
    return (
        ParticipantInvitation.objects.visible_to(user)
        .filter(participant__case=case, pk=invitation_id)
        .select_related("participant__case")
        .first()
    )


def invitation_by_token(token: str) -> ParticipantInvitation | None:
    """The invitation a link carries, whatever its state; None for a link that is not
    one (the secret compared in constant time)."""
    parts = capabilities.split(token)
    if parts is None:
        return None
    key, secret = parts
    found = (
        ParticipantInvitation.objects.filter(key=key).select_related("participant__case").first()
    )
    if found is None or not capabilities.matches(found.digest, secret):
        return None
    return found


def addable_organisations(user: Viewer, case: Case) -> QuerySet[Organisation]:
    """The organisations the lead may add to the case: those in good standing."""
    if not has_perm(user, Permission.CVD_CASE_COORDINATE, case):
        return accounts.organisations_in_good_standing().none()
    return accounts.organisations_in_good_standing().order_by("name")


def organisations_opening_for(user: Viewer) -> QuerySet[Organisation]:
    """The organisations the viewer may open a case for (`CVD_CASE_OPEN`)."""
    return accounts.organisations_joined_by(user).order_by("name")


# Declared products and the vendors they suggest ------------------------------------------


def vendor_products_of(user: Viewer, organisation: Organisation) -> QuerySet[VendorProduct]:
    """What `organisation` declared it makes, for its members and the secretariat."""
    return VendorProduct.objects.visible_to(user).filter(organisation=organisation)


def vendor_product_for(user: Viewer, product_id: int) -> VendorProduct | None:
    return (
        VendorProduct.objects.visible_to(user)
        .filter(pk=product_id)
        .select_related("organisation")
        .first()
    )


@dataclass
class Suggestion:
    """An organisation whose declared products match the case's affected products."""

    organisation: Organisation
    matches: list[str] = field(default_factory=list)  # "V1 pkg:npm/... by pkg:npm/acme/*"


def _matching(product: AffectedProduct) -> Q:
    if product.purl_type:
        return Q(purl_type=product.purl_type, purl_namespace__iexact=product.purl_namespace) & (
            Q(purl_name="") | Q(purl_name__iexact=product.purl_name)
        )
    return Q(cpe_vendor=product.cpe_vendor) & (
        Q(cpe_product="") | Q(cpe_product=product.cpe_product)
    )


def _matches(declared: VendorProduct, product: AffectedProduct) -> bool:
    if declared.purl_type:
        return (
            declared.purl_type == product.purl_type
            and declared.purl_namespace.lower() == product.purl_namespace.lower()
            and declared.purl_name.lower() in ("", product.purl_name.lower())
        )
    return declared.cpe_vendor == product.cpe_vendor and declared.cpe_product in (
        "",
        product.cpe_product,
    )


def suggest_vendors(user: Viewer, case: Case) -> list[Suggestion]:
    """The organisations in good standing whose declared products match the case's
    affected products and that are not vendors in it yet, each with what matched; for
    the case's lead (nobody else is shown other organisations' products)."""
    products = list(
        AffectedProduct.objects.visible_to(user)
        .filter(vulnerability__case=case)
        .exclude(purl_type="", cpe_vendor="")
        .select_related("vulnerability")
    )
    if not products:
        return []
    wanted = Q()
    for product in products:
        wanted |= _matching(product)
    vendors = Participant.objects.filter(
        case=case, role=Participant.Role.VENDOR, removed_at__isnull=True
    ).exclude(organisation__isnull=True)
    declared = (
        VendorProduct.objects.suggestible_in(case, user)
        .filter(wanted)
        .filter(organisation__in=accounts.organisations_in_good_standing().values("pk"))
        .exclude(organisation__in=vendors.values("organisation_id"))
        .select_related("organisation")
        .order_by("organisation__name", "id")
    )
    found: dict[int, Suggestion] = {}
    for one in declared:
        suggestion = found.setdefault(one.organisation_id, Suggestion(one.organisation))
        for product in products:
            if _matches(one, product):
                suggestion.matches.append(
                    f"V{product.vulnerability.number} {product.label} (declared {one})"
                )
    return list(found.values())
