"""Reads of the cycle amiable, scoped to what the user may see (SPEC §2, §4).

The rows of "Gérer le cycle amiable", its CSV export and the API list share one queryset whose
display columns (Évènement, Date du courrier, Date de mise en demeure, Statut) are SQL
expressions: the page, the export and PostgreSQL's COPY all show the same words, computed
once per query, whatever the number of rows.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import (
    BooleanField,
    CharField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models import Case as SqlCase
from django.db.models.functions import Cast, Coalesce, Concat
from django.shortcuts import get_object_or_404

from amiable import rules
from amiable.models import ACKNOWLEDGED_KINDS, Case, Event, ExtensionRequest, Letter, Stage
from portal.businessdays import BusinessCalendar
from portal.models import Area, Member, Policy, User
from portal.selectors import policy_scope_q
from portal.sorting import SortKey

SORTS = {
    "member": ("policy__member__member_number", "id"),
    "company": (SortKey("policy__member__company_name"), "policy__member__company_name", "id"),
    "policy": ("policy__number", "id"),
    "event": ("stage", "id"),
    "letter_date": ("letter_date", "id"),
    "notice_date": ("notice_date", "id"),
    "status": ("status_rank", "response_deadline", "-letter_date", "id"),
}
DEFAULT_SORT = "status"  # the rows where the broker can act come first

EVENT_LABELS = {
    Stage.FORMAL_NOTICE: "Mise en demeure",
    Stage.SUSPENDED: "Suspension des garanties",
    Stage.TERMINATED: "Résiliation pour non-paiement",
    Stage.CLOSED: "Cotisation à jour",
    Stage.REINSTATED: "Courrier de remise en vigueur",
    Stage.SETTLED: "Dette soldée",
}
PENDING_LABEL = "En attente de validation par L'Auxiliaire"


def cases_visible_to(*, user: User) -> QuerySet[Case]:
    return Case.objects.filter(policy_scope_q(user=user, area=Area.AMIABLE, prefix="policy__"))


def _remaining_days_expression(*, today: date, calendar: BusinessCalendar):
    """``rules.remaining_days`` as SQL: one WHEN per possible end of window (a few days)."""
    whens = [When(reminder_date__gte=today, then=Value(rules.RESPONSE_WINDOW))]
    before_today = today - timedelta(days=1)
    for offset in range(0, 20):
        window_end = today + timedelta(days=offset)
        count = rules.remaining_days(reminder_date=before_today, window_end=window_end, today=today,
                                     calendar=calendar)
        whens.append(When(response_deadline=window_end, then=Value(count)))
    return SqlCase(*whens, default=Value(0), output_field=IntegerField())


def unread_letter_subquery():
    return Letter.objects.filter(
        case=OuterRef("pk"), kind__in=ACKNOWLEDGED_KINDS, acknowledged_at__isnull=True
    ).order_by("-letter_date", "-id")


def with_display(queryset: QuerySet[Case], *, today: date, calendar: BusinessCalendar) -> QuerySet[Case]:
    """Annotate the on-screen columns and what the broker can do on each row."""
    latest_letter = Letter.objects.filter(case=OuterRef("pk")).order_by("-letter_date", "-id")
    extension_status = ExtensionRequest.objects.filter(case=OuterRef("pk")).values("status")[:1]
    answerable = Q(stage=Stage.OPEN, broker_manages=True, answer="", reminder_date__lte=today,
                   response_deadline__gte=today)
    remaining = _remaining_days_expression(today=today, calendar=calendar)
    queryset = queryset.annotate(
        letter_id=Subquery(latest_letter.values("id")[:1]),
        letter_date=Subquery(latest_letter.values("letter_date")[:1]),
        letter_document_id=Subquery(latest_letter.values("document_id")[:1]),
        unread_letter_id=Subquery(unread_letter_subquery().values("id")[:1]),
        extension_status=Subquery(extension_status),
        remaining_days=remaining,
        can_answer=ExpressionWrapper(answerable, output_field=BooleanField()),
        notice_date=Coalesce("formal_notice_date", "formal_notice_planned"),
    )
    text = CharField()
    return queryset.annotate(
        event_label=SqlCase(
            *[When(stage=stage, then=Value(label)) for stage, label in EVENT_LABELS.items()],
            When(~Q(answer=""), then=Value("Demande de prolongation")),
            default=Value("Courrier de rappel transmis"),
            output_field=text,
        ),
        status_label=SqlCase(
            When(Q(manual_follow_up=True) & Q(stage__in=[Stage.OPEN, Stage.FORMAL_NOTICE, Stage.SUSPENDED]),
                 then=Value("Suivi manuel par L'Auxiliaire")),
            When(stage=Stage.CLOSED, then=Value("Cotisation à jour")),
            When(stage=Stage.SETTLED, then=Value("Dette soldée")),
            When(stage=Stage.REINSTATED, then=Value("Remise en vigueur")),
            When(stage=Stage.TERMINATED, then=Value("Résiliée — transmise au contentieux")),
            When(stage=Stage.SUSPENDED, then=Value("Garanties suspendues")),
            When(stage=Stage.FORMAL_NOTICE, then=Value("Mise en demeure envoyée")),
            When(answer=rules.Answer.DECLINED, then=Value("Mise en demeure suite refus par le courtier")),
            When(extension_status=rules.Decision.PENDING, then=Value(PENDING_LABEL)),
            When(extension_status=rules.Decision.APPROVED, then=Value("Prolongation accordée")),
            When(extension_status=rules.Decision.REFUSED,
                 then=Value("Demande de prolongation refusée par L'Auxiliaire")),
            When(answerable, then=Concat(Value("Répondre — "), Cast(remaining, text), Value(" jour(s) restant(s)"))),
            When(broker_manages=True, then=Value("Sans réponse — mise en demeure à venir")),
            default=Value("Rappel transmis au sociétaire"),
            output_field=text,
        ),
        reading_label=SqlCase(
            When(unread_letter_id__isnull=False, then=Value("Rappel non lu")),
            When(Q(stage__in=[Stage.OPEN, Stage.REINSTATED]), then=Value("Rappel lu")),
            default=Value(""),
            output_field=text,
        ),
        status_rank=SqlCase(
            When(can_answer=True, then=Value(0)),
            When(unread_letter_id__isnull=False, then=Value(1)),
            When(stage=Stage.OPEN, then=Value(2)),
            When(stage__in=[Stage.FORMAL_NOTICE, Stage.SUSPENDED], then=Value(3)),
            When(stage=Stage.TERMINATED, then=Value(4)),
            default=Value(5),
            output_field=IntegerField(),
        ),
    )


def case_rows_for(
    *,
    user: User,
    today: date,
    calendar: BusinessCalendar,
    member_id: int | None = None,
    policy_number: str | None = None,
    pending_only: bool = False,
    sort: str = DEFAULT_SORT,
) -> QuerySet[Case]:
    """The rows of "Gérer le cycle amiable" (and of its CSV export)."""
    queryset = cases_visible_to(user=user)
    if member_id:
        queryset = queryset.filter(policy__member_id=member_id)
    if policy_number:
        queryset = queryset.filter(policy__number=policy_number)
    queryset = with_display(queryset, today=today, calendar=calendar)
    if pending_only:
        queryset = queryset.filter(Q(can_answer=True) | Q(unread_letter_id__isnull=False))
    key = sort.lstrip("-")
    fields = SORTS.get(key, SORTS["letter_date"])
    first = fields[0] if isinstance(fields[0], SortKey) else F(fields[0])
    if sort.startswith("-") or key not in SORTS:
        ordering = [first.desc(nulls_last=True), *[_reversed(f) for f in fields[1:]]]
    else:
        ordering = [first.asc(nulls_last=True), *fields[1:]]
    return queryset.select_related("policy__member", "premium_call").order_by(*ordering)


def _reversed(field: str) -> str:
    return field[1:] if field.startswith("-") else f"-{field}"


class RowsById:
    """A sorted queryset of cases paged on its ids, for ``Paginator``.

    Sorting and skipping run on the id, the filter and the sort key only; the display columns
    and the joins of ``select_related`` are then computed for the rows of the page alone,
    not for every row sorted or skipped (a broker may have tens of thousands of cases).
    """

    def __init__(self, queryset: QuerySet[Case]) -> None:
        self.queryset = queryset

    def count(self) -> int:
        return self.queryset.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        ids = list(self.queryset.values_list("id", flat=True)[index])
        rows = {row.id: row for row in self.queryset.filter(id__in=ids).order_by()}
        return [rows[id_] for id_ in ids if id_ in rows]


def case_members_for(*, user: User) -> QuerySet[Member]:
    """Members with at least one case the user sees, for the "Client (tous)" filter."""
    return (
        Member.objects.filter(id__in=Policy.objects.filter(
            policy_scope_q(user=user, area=Area.AMIABLE), cases__isnull=False
        ).values("member_id"))
        .order_by(SortKey("company_name"), "company_name", "member_number")
        .only("id", "member_number", "company_name")
    )


def case_for(*, user: User, case_id: int) -> Case:
    """A case the user may see, or 404 (a foreign id is indistinguishable from a missing one)."""
    return get_object_or_404(
        cases_visible_to(user=user).select_related("policy__member", "policy__broker", "premium_call"), id=case_id
    )


def letter_for(*, user: User, letter_id: int) -> Letter:
    return get_object_or_404(
        Letter.objects.filter(case__in=cases_visible_to(user=user)).select_related(
            "case__policy__member", "case__policy__broker", "document"
        ),
        id=letter_id,
    )


def extension_for(*, user: User, extension_id: int) -> ExtensionRequest:
    return get_object_or_404(
        ExtensionRequest.objects.filter(case__in=cases_visible_to(user=user)).select_related(
            "case__policy__member", "case__policy__broker"
        ),
        id=extension_id,
    )


def policy_history_for(*, user: User, policy_id: int) -> tuple[Policy, list[Event], list[Letter]]:
    """Everything that happened to one policy's premiums: events and letters of all its cases."""
    policy = get_object_or_404(
        Policy.objects.filter(policy_scope_q(user=user, area=Area.AMIABLE)).select_related("member"), id=policy_id
    )
    events = list(
        Event.objects.filter(case__policy=policy).select_related("case__premium_call", "actor")
        .order_by("-date", "-id")
    )
    letters = list(Letter.objects.filter(case__policy=policy).select_related("case__premium_call")
                   .order_by("-letter_date", "-id"))
    return policy, events, letters


def collection_cases() -> QuerySet[Case]:
    """The contentieux: terminated cases with money due, for the collection agency."""
    return Case.objects.filter(stage=Stage.TERMINATED).select_related("policy__member", "policy__broker",
                                                                      "premium_call")
