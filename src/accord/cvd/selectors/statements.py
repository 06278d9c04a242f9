"""Reading vendors' statements: the matrix the coordinators see (vendors by
vulnerabilities and their products, silent vendors marked, a page of vendors at a time),
and a vendor's own statements. Every statement comes through
`Statement.objects.visible_to`; each view is a fixed number of queries, whatever the
number of vendors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, QuerySet

from accord.cvd import rules
from accord.cvd.models import AffectedProduct, Case, Participant, Statement, Vulnerability
from accord.cvd.selectors.embargo import sees_everything

if TYPE_CHECKING:
    from accord.access import Viewer

VENDORS_PER_PAGE = 50
Key = tuple[int, int | None]  # (vulnerability id, product id or None for the whole)


@dataclass(frozen=True)
class Column:
    """What a statement is about: a vulnerability as a whole, or one of its products."""

    vulnerability: Vulnerability
    product: AffectedProduct | None

    @property
    def key(self) -> Key:
        return (self.vulnerability.pk, self.product.pk if self.product else None)

    @property
    def value(self) -> str:
        """The form's value naming it: `<vulnerability number>` or `<number>:<product id>`."""
        number = str(self.vulnerability.number)
        return f"{number}:{self.product.pk}" if self.product else number

    @property
    def label(self) -> str:
        where = self.product.label if self.product else "as a whole"
        return f"V{self.vulnerability.number} {where}"


@dataclass(frozen=True)
class Cell:
    column: Column
    statement: Statement | None


@dataclass
class Row:
    participant: Participant
    cells: list[Cell]

    @property
    def silent(self) -> bool:
        return not any(cell.statement for cell in self.cells)


def _row(
    participant: Participant, columns: list[Column], cells: dict[tuple[int, Key], Statement]
) -> Row:
    found = [Cell(column, cells.get((participant.pk, column.key))) for column in columns]
    return Row(participant, found)


@dataclass
class Matrix:
    columns: list[Column]
    rows: list[Row]
    page: Page[Participant]


def statements_for(user: Viewer, case: Case) -> QuerySet[Statement]:
    """The case's statements `user` may read: all for its coordinators, a vendor's own."""
    return Statement.objects.visible_to(user).filter(vulnerability__case=case)


def sees_matrix(user: Viewer, case: Case) -> bool:
    """Whether `user` reads every vendor's statements: the case's coordinators."""
    return sees_everything(user, case)


def columns_of(user: Viewer, case: Case) -> list[Column]:
    """Each visible vulnerability of the case, as a whole and per affected product."""
    products = Prefetch("products", queryset=AffectedProduct.objects.order_by("id"))
    vulnerabilities = (
        Vulnerability.objects.visible_to(user).filter(case=case).prefetch_related(products)
    )
    columns: list[Column] = []
    for vulnerability in vulnerabilities:
        columns.append(Column(vulnerability, None))
        columns.extend(Column(vulnerability, product) for product in vulnerability.products.all())
    return columns


def column_for(columns: list[Column], value: str) -> Column | None:
    return next((column for column in columns if column.value == value), None)


def _cells(statements: QuerySet[Statement]) -> dict[tuple[int, Key], Statement]:
    # Looked up by key, so unordered: Meta.ordering would join the vulnerability, the
    # participant, the product and each one's case only to sort by them.
    unordered = statements.order_by()
    return {(s.participant_id, (s.vulnerability_id, s.product_id)): s for s in unordered}


def statement_matrix(user: Viewer, case: Case, *, page: int | str | None = 1) -> Matrix:
    """A page of the case's vendors by its vulnerabilities and products, for the
    coordinators; a vendor with no statement at all is silent."""
    columns = columns_of(user, case)
    vendors = (
        Participant.objects.visible_to(user)
        .filter(case=case, role=Participant.Role.VENDOR)
        .order_by("name", "id")
    )
    shown = Paginator(vendors, VENDORS_PER_PAGE).get_page(page)
    ids = [participant.pk for participant in shown]
    cells = _cells(statements_for(user, case).filter(participant__in=ids))
    rows = [_row(participant, columns, cells) for participant in shown]
    return Matrix(columns=columns, rows=rows, page=shown)


def own_vendors(user: Viewer, case: Case) -> list[Participant]:
    """The vendor participants of `case` that `user` is."""
    return list(rules.mine(user).filter(case=case, role=Participant.Role.VENDOR))


def vendors_stated_for(user: Viewer, case: Case) -> QuerySet[Participant]:
    """The vendors `user` may state for: its own, or for the lead every vendor."""
    return Participant.objects.acted_for_by(user).filter(case=case, role=Participant.Role.VENDOR)


def own_statements(user: Viewer, case: Case) -> list[Row]:
    """For each vendor of the case that `user` is, its statement (or none) per column."""
    columns = columns_of(user, case)
    vendors = own_vendors(user, case)
    cells = _cells(statements_for(user, case).filter(participant__in=vendors))
    return [_row(vendor, columns, cells) for vendor in vendors]


def vulnerability_for(user: Viewer, case: Case, number: int) -> Vulnerability | None:
    """The case's vulnerability V`number`, if `user` may see it."""
    return Vulnerability.objects.visible_to(user).filter(case=case, number=number).first()


def product_for(user: Viewer, vulnerability: Vulnerability, pk: int) -> AffectedProduct | None:
    """One of `vulnerability`'s affected products, if `user` may see it."""
    found = AffectedProduct.objects.visible_to(user).filter(vulnerability=vulnerability, pk=pk)
    return found.first()
