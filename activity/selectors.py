"""Reads of « Suivre votre activité », scoped to what the user may see (SPEC §2, area ACTIVITY).

Every figure comes from a few rows of the snapshot (``activity.models``), summed in SQL: the
administrator reads the organisation's total rows, a collaborator the rows of the clients
delegated to them, anyone the rows of one client with the client filter. The open cases by
step come live from the cycle amiable (``amiable.selectors.case_counts_by_step``), so they are
those of « Gérer le cycle amiable » at this moment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from activity import periods
from activity.models import MonthlyFigure, ProductFigure, Snapshot
from amiable.selectors import case_counts_by_step
from portal.models import Area, Member, Role, User
from portal.selectors import members_visible_to, policy_scope_q

NO_PRODUCT = "Sans produit"
CLIENT_SEARCH_LIMIT = 20


@dataclass(frozen=True)
class MonthRow:
    month: date
    called: Decimal
    collected: Decimal
    suspensions: int
    terminations: int

    @property
    def label(self) -> str:
        return periods.month_label(self.month)

    @property
    def short_label(self) -> str:
        return periods.short_month_label(self.month)

    @property
    def rate(self) -> Decimal | None:
        """Collection rate (%), or None when nothing was called."""
        return collection_rate(self.called, self.collected)


@dataclass(frozen=True)
class ProductRow:
    name: str
    policies: int


@dataclass(frozen=True)
class StepRow:
    stage: str
    label: str
    cases: int


@dataclass
class Activity:
    """Everything the page, its charts and the workbook show."""

    start: date
    end: date
    snapshot: Snapshot | None
    member: Member | None
    products: list[ProductRow] = field(default_factory=list)
    months: list[MonthRow] = field(default_factory=list)
    steps: list[StepRow] = field(default_factory=list)

    @property
    def policies(self) -> int:
        return sum(row.policies for row in self.products)

    @property
    def called(self) -> Decimal:
        return sum((row.called for row in self.months), Decimal("0"))

    @property
    def collected(self) -> Decimal:
        return sum((row.collected for row in self.months), Decimal("0"))

    @property
    def rate(self) -> Decimal | None:
        return collection_rate(self.called, self.collected)

    @property
    def open_cases(self) -> int:
        return sum(row.cases for row in self.steps)

    @property
    def suspensions(self) -> int:
        return sum(row.suspensions for row in self.months)

    @property
    def terminations(self) -> int:
        return sum(row.terminations for row in self.months)


def collection_rate(called: Decimal, collected: Decimal) -> Decimal | None:
    if not called:
        return None
    return (Decimal(collected) * 100 / Decimal(called)).quantize(Decimal("0.1"))


def _figures(queryset: QuerySet, *, user: User, member_id: int | None) -> QuerySet:
    """The snapshot rows the user adds up: one client's, or the organisation's totals (its
    administrator), or the delegated clients' (a collaborator)."""
    rows = queryset.filter(policy_scope_q(user=user, area=Area.ACTIVITY))
    if member_id:
        return rows.filter(member_id=member_id)
    if user.role == Role.ADMINISTRATOR:
        return rows.filter(member__isnull=True)
    return rows.filter(member__isnull=False)


def latest_snapshot() -> Snapshot | None:
    return Snapshot.objects.order_by("-computed_at").first()


def activity_for(*, user: User, start: date, end: date, member: Member | None = None) -> Activity:
    """The figures of the user's portfolio (or of one of its clients) from ``start`` to ``end``
    (months): a constant number of queries, each reading a few dozen rows of one index."""
    member_id = member.id if member else None
    activity = Activity(start=start, end=end, snapshot=latest_snapshot(), member=member)
    monthly = {
        row["month"]: row for row in
        _figures(MonthlyFigure.objects, user=user, member_id=member_id)
        .filter(month__gte=start, month__lte=end).order_by().values("month")
        .annotate(called_sum=Sum("called"), collected_sum=Sum("collected"), suspensions_sum=Sum("suspensions"),
                  terminations_sum=Sum("terminations"))
    }
    zero = {"called_sum": Decimal("0"), "collected_sum": Decimal("0"), "suspensions_sum": 0, "terminations_sum": 0}
    for month in periods.months_between(start, end):  # the period's 24 months at most, empty ones too
        row = monthly.get(month, zero)
        activity.months.append(MonthRow(
            month=month, called=Decimal(row["called_sum"] or 0), collected=Decimal(row["collected_sum"] or 0),
            suspensions=int(row["suspensions_sum"] or 0), terminations=int(row["terminations_sum"] or 0),
        ))
    products = (
        _figures(ProductFigure.objects, user=user, member_id=member_id).order_by()
        .values("product_id", "product__name").annotate(policies_sum=Sum("policies"))
    )
    activity.products = sorted(
        (ProductRow(name=row["product__name"] or NO_PRODUCT, policies=int(row["policies_sum"] or 0))
         for row in products if row["policies_sum"]),
        key=lambda row: (-row.policies, row.name),
    )
    activity.steps = [StepRow(stage=stage, label=label, cases=count) for stage, label, count in
                      case_counts_by_step(user=user, area=Area.ACTIVITY, member_id=member_id)]
    return activity


def activity_client(*, user: User, member_id: int) -> Member | None:
    """A client of the user's portfolio (area ACTIVITY), or None (unknown or not theirs)."""
    return members_visible_to(user=user, area=Area.ACTIVITY).filter(id=member_id).first()


def activity_clients(*, user: User, search: str) -> tuple[list[Member], bool]:
    """The clients whose name or number contains ``search`` (the first ones by name), and
    whether there are more."""
    found = list(members_visible_to(user=user, area=Area.ACTIVITY).filter(
        Q(company_name__icontains=search) | Q(member_number__icontains=search))[: CLIENT_SEARCH_LIMIT + 1])
    return found[:CLIENT_SEARCH_LIMIT], len(found) > CLIENT_SEARCH_LIMIT
