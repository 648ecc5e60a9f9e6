"""Reads of the cycle amiable, scoped to what the user may see (SPEC §2, §4).

"Gérer le cycle amiable", its CSV export and the API list read the same rows (``case_rows_for``):

* what they scope, filter and sort by is on the case — its broker and member, the copies of
  its policy's numbers and member's name, its latest letter, whether a letter waits to be
  read — with one index per sort (``Case.Meta.indexes``): a page reads its 25 rows by walking
  one index, and counts from an index, whatever the size of the portfolio;
* the words of the columns (Évènement, Statut…) are SQL expressions built from the model
  choices (``Milestone``, ``Status``, ``Reading``), computed for the rows of the page only —
  or for every row of the export, where PostgreSQL's COPY writes them.

The one thing that depends on the business date is whether a case can still be answered
("Répondre — N jour(s) restant(s)", rank 0 of the default sort). Nothing stored changes when
a response window closes: the default sort reads the cases that can be answered today
from their own small index (those awaiting an answer, by deadline from today on), then every
other case by its rank of the row (``STATUS_RANK``) — correct on any day, with or without a
daily run since the window closed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextChoices,
    Value,
    When,
)
from django.db.models import Case as SqlCase
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Concat, TruncMonth
from django.shortcuts import get_object_or_404

from amiable import rules
from amiable.models import (
    ACKNOWLEDGED_KINDS,
    ACTIVE_STAGES,
    AWAITING_ANSWER,
    NOTICE_DATE,
    NOTICE_STAGES,
    STATUS_RANK,
    Case,
    Event,
    EventType,
    ExtensionRequest,
    Letter,
    Milestone,
    Rank,
    Reading,
    Stage,
    Status,
)
from portal.businessdays import BusinessCalendar
from portal.models import Area, Member, Policy, User
from portal.selectors import policy_scope_q
from portal.sorting import SortKey

# Each sort of the page: the columns of its index after the broker, ascending ("-x": x
# descending). A descending sort is the exact reverse (the index read backwards).
SORTS = {
    "member": ("member_number", "id"),
    "company": (SortKey("company_name"), "company_name", "member_number", "member_id", "id"),
    "policy": ("policy_number", "id"),
    "event": ("stage", "id"),
    "letter_date": ("letter_date", "id"),
    "notice_date": (NOTICE_DATE, "id"),
    "status": (STATUS_RANK, "response_deadline", "-letter_date", "id"),
}
DEFAULT_SORT = "status"  # the rows where the broker can act come first
API_SORT = "-letter_date"

def status_rules(today: date) -> list[tuple[Status, Q]]:
    """Which status a case shows on ``today``: the first that holds (``extension__status`` is its
    extension request's)."""
    return [
        (Status.MANUAL, Q(manual_follow_up=True, stage__in=ACTIVE_STAGES)),
        (Status.PAID, Q(stage=Stage.CLOSED)),
        (Status.SETTLED, Q(stage=Stage.SETTLED)),
        (Status.REINSTATED, Q(stage=Stage.REINSTATED)),
        (Status.TERMINATED, Q(stage=Stage.TERMINATED)),
        (Status.SUSPENDED, Q(stage=Stage.SUSPENDED)),
        (Status.FORMAL_NOTICE, Q(stage=Stage.FORMAL_NOTICE)),
        (Status.DECLINED, Q(answer=rules.Answer.DECLINED)),
        (Status.EXTENSION_PENDING, Q(extension__status=rules.Decision.PENDING)),
        (Status.EXTENSION_APPROVED, Q(extension__status=rules.Decision.APPROVED)),
        (Status.EXTENSION_REFUSED, Q(extension__status=rules.Decision.REFUSED)),
        (Status.ANSWER, answerable_on(today)),
        (Status.NO_ANSWER, Q(broker_manages=True)),
    ]


STATUS_DEFAULT = Status.MEMBER_REMINDED
MILESTONES = {
    Stage.FORMAL_NOTICE: Milestone.FORMAL_NOTICE,
    Stage.SUSPENDED: Milestone.SUSPENSION,
    Stage.TERMINATED: Milestone.TERMINATION,
    Stage.CLOSED: Milestone.PAID,
    Stage.REINSTATED: Milestone.REINSTATEMENT,
    Stage.SETTLED: Milestone.SETTLED,
}


def cases_visible_to(*, user: User) -> QuerySet[Case]:
    """The cases a user may see, decided on the case's own broker and member (its policy's)."""
    return Case.objects.filter(policy_scope_q(user=user, area=Area.AMIABLE))


def answerable_on(today: date) -> Q:
    """Cases a managing broker can answer on ``today`` (``rules.can_answer``)."""
    return AWAITING_ANSWER & Q(reminder_date__lte=today, response_deadline__gte=today)


def _remaining_days_expression(*, today: date, calendar: BusinessCalendar):
    """``rules.remaining_days`` as SQL: one WHEN per possible end of window — from today to the
    end of a window opened today —, 0 for the windows already closed."""
    whens = [When(reminder_date__gte=today, then=Value(rules.RESPONSE_WINDOW))]
    before_today = today - timedelta(days=1)
    last = rules.response_deadline(reminder_date=today, calendar=calendar)
    for offset in range((last - today).days + 1):
        window_end = today + timedelta(days=offset)
        count = rules.remaining_days(reminder_date=before_today, window_end=window_end, today=today,
                                     calendar=calendar)
        whens.append(When(response_deadline=window_end, then=Value(count)))
    return SqlCase(*whens, default=Value(0), output_field=IntegerField())


def unread_letter_subquery():
    return Letter.objects.filter(
        case=OuterRef("pk"), kind__in=ACKNOWLEDGED_KINDS, acknowledged_at__isnull=True
    ).order_by("-letter_date", "-id")


def effective_rank(today: date) -> SqlCase:
    return SqlCase(When(answerable_on(today), then=Value(Rank.ANSWER.value)), default=STATUS_RANK,
                   output_field=IntegerField())


def with_display(queryset: QuerySet[Case], *, today: date, calendar: BusinessCalendar) -> QuerySet[Case]:
    """Annotate the on-screen columns and what the broker can do on each row, in the words of
    the model choices. Meant for the rows shown (a page, an export), not to sort or filter on."""
    latest_letter = Letter.objects.filter(case=OuterRef("pk")).order_by("-letter_date", "-id")
    answer_today = answerable_on(today)
    remaining = _remaining_days_expression(today=today, calendar=calendar)
    text = CharField()
    status_whens = []
    for status, condition in status_rules(today):
        label = Value(status.label)
        if status == Status.ANSWER:
            label = Concat(label, Value(" — "), Cast(remaining, text), Value(" jour(s) restant(s)"))
        status_whens.append(When(condition, then=label))
    return queryset.annotate(
        letter_id=Subquery(latest_letter.values("id")[:1]),
        letter_document_id=Subquery(latest_letter.values("document_id")[:1]),
        unread_letter_id=Subquery(unread_letter_subquery().values("id")[:1]),
        remaining_days=remaining,
        can_answer=ExpressionWrapper(answer_today, output_field=BooleanField()),
        notice_date=NOTICE_DATE,
        status_rank=effective_rank(today),
        event_label=SqlCase(
            *[When(stage=stage, then=Value(milestone.label)) for stage, milestone in MILESTONES.items()],
            When(~Q(answer=""), then=Value(Milestone.ANSWER.label)),
            default=Value(Milestone.REMINDER.label),
            output_field=text,
        ),
        status_label=SqlCase(*status_whens, default=Value(STATUS_DEFAULT.label), output_field=text),
        reading_label=SqlCase(
            When(letter_unread=True, then=Value(Reading.UNREAD.label)),
            When(stage__in=[Stage.OPEN, Stage.REINSTATED], then=Value(Reading.READ.label)),
            default=Value(""),
            output_field=text,
        ),
    )


def _ordering(fields: tuple, *, descending: bool) -> list:
    """``fields`` (names, "-name" or expressions) as an ORDER BY, or its exact reverse."""
    ordering = []
    for item in fields:
        if isinstance(item, str):
            reverse = item.startswith("-") != descending
            expression = F(item.lstrip("-"))
        else:
            reverse, expression = descending, item
        # Null last, and a descending sort the exact reverse: what a btree index gives both ways.
        ordering.append(expression.desc(nulls_first=True) if reverse else expression.asc(nulls_last=True))
    return ordering


def case_rows_for(
    *,
    user: User,
    today: date,
    calendar: BusinessCalendar,
    member_id: int | None = None,
    policy_number: str | None = None,
    pending_only: bool = False,
    sort: str = DEFAULT_SORT,
) -> CaseRows:
    """The rows of "Gérer le cycle amiable" (and of its CSV export and the API list)."""
    queryset = cases_visible_to(user=user)
    if member_id:
        queryset = queryset.filter(member_id=member_id)
    if policy_number:
        queryset = queryset.filter(policy_number=policy_number)
    key = sort.lstrip("-") if sort.lstrip("-") in SORTS else API_SORT.lstrip("-")
    descending = sort.startswith("-") or sort.lstrip("-") not in SORTS
    answer_today = answerable_on(today)
    # The rows in two parts, each read from its own index: the cases that can be answered today
    # (rank 0), and the others — with "Actions en attente", those with a letter to read (rank 1).
    answering = queryset.filter(answer_today)
    others = queryset.exclude(answer_today)
    if pending_only:
        others = others.filter(letter_unread=True)
        queryset = queryset.filter(answer_today | Q(letter_unread=True))
    parts = [answering, others if pending_only else None]
    if key == "status":
        # Rank 0 by deadline, then the others by rank (all of rank 1 with "Actions en attente").
        others_sort = ("response_deadline", "-letter_date", "id") if pending_only else SORTS[key]
        segments = [answering.order_by(*_ordering(("response_deadline", "-letter_date", "id"), descending=descending)),
                    others.order_by(*_ordering(others_sort, descending=descending))]
        ordering = _ordering((effective_rank(today), *SORTS[key][1:]), descending=descending)
        if descending:
            segments.reverse()
            parts.reverse()
        return CaseRows(queryset=queryset, segments=segments, parts=parts, ordering=ordering, today=today,
                        calendar=calendar)
    ordering = _ordering(SORTS[key], descending=descending)
    return CaseRows(queryset=queryset, segments=[queryset.order_by(*ordering)],
                    parts=parts if pending_only else [None], ordering=ordering, today=today, calendar=calendar)


@dataclass
class CaseRows:
    """Sorted rows of cases, for a ``Paginator`` (``count`` and slices) or in full (``all``).

    The rows are the concatenation of ``segments``, each a sorted queryset one index serves.
    They are also the union of the disjoint ``parts``, each counted from an index (``None``: the
    rows the other parts leave). A slice finds its ids by walking the segments' indexes —
    skipping the rows of the pages before, no more — and reads those rows with their columns
    in one query: the words and links of the page are computed for its rows alone.
    """

    queryset: QuerySet[Case]
    segments: list[QuerySet[Case]]
    parts: list[QuerySet[Case] | None]
    ordering: list
    today: date
    calendar: BusinessCalendar
    related: tuple[str, ...] = ("policy__member", "premium_call")
    prefetch: tuple[str | Prefetch, ...] = ()
    _sizes: list[int] | None = field(default=None, repr=False)

    def with_related(self, *related: str, prefetch: tuple[str | Prefetch, ...] = ()) -> CaseRows:
        return CaseRows(queryset=self.queryset, segments=self.segments, parts=self.parts, ordering=self.ordering,
                        today=self.today, calendar=self.calendar, related=(*self.related, *related),
                        prefetch=(*self.prefetch, *prefetch))

    def _display(self, queryset: QuerySet[Case]) -> QuerySet[Case]:
        queryset = with_display(queryset, today=self.today, calendar=self.calendar)
        return queryset.select_related(*self.related).prefetch_related(*self.prefetch).order_by(*self.ordering)

    def sizes(self) -> list[int]:
        """The number of rows of each segment (of all of them when there is one)."""
        if self._sizes is None:
            counts = [None if part is None else part.count() for part in self.parts]
            if None in counts:
                rest = self.queryset.count() - sum(count for count in counts if count is not None)
                counts = [rest if count is None else count for count in counts]
            self._sizes = counts if len(self.segments) == len(counts) else [sum(counts)]
        return self._sizes

    def count(self) -> int:
        return sum(self.sizes())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[index : index + 1][0]
        start, stop = index.start or 0, index.stop
        sizes = self.sizes() if len(self.segments) > 1 else [None]
        parts, first = [], 0
        for segment, size in zip(self.segments, sizes, strict=True):
            low = max(start - first, 0)
            high = None if stop is None else stop - first
            if size is not None:
                high = size if high is None else min(high, size)
                first += size
            if high is None or high > low:
                parts.append(segment.values("id")[low:high])
        if not parts:
            return []
        return list(self._display(Case.objects.filter(id__in=_concatenated(parts))))

    def all(self) -> QuerySet[Case]:
        """Every row, sorted, in one statement (the CSV export: COPY on PostgreSQL)."""
        return self._display(self.queryset)


def _concatenated(parts: list[QuerySet]):
    """The ids of several sliced querysets, as one subquery (``UNION ALL`` of derived tables:
    each keeps its own ORDER BY and LIMIT, on PostgreSQL and SQLite alike)."""
    if len(parts) == 1:
        return parts[0]
    statements, params = [], []
    for number, part in enumerate(parts):
        sql, part_params = part.query.get_compiler(connection=connection).as_sql()
        statements.append(f"SELECT id FROM ({sql}) AS part_{number}")  # noqa: S608 (compiled querysets)
        params.extend(part_params)
    return RawSQL(" UNION ALL ".join(statements), params)  # noqa: S611 (compiled querysets and their params)


def case_row(*, user: User, case_id: int, today: date, calendar: BusinessCalendar,
             related: tuple[str, ...] = (), prefetch: tuple[str | Prefetch, ...] = ()) -> Case:
    """One row of the page (after an action on it), with its columns, or 404."""
    queryset = with_display(cases_visible_to(user=user), today=today, calendar=calendar)
    return get_object_or_404(
        queryset.select_related("policy__member", "premium_call", *related).prefetch_related(*prefetch), id=case_id
    )


CLIENT_CHOICES = 50  # clients "Client (tous)" lists at once; the others are found by a search


def case_clients_for(*, user: User, search: str = "", selected: int | None = None) -> tuple[list[Member], bool]:
    """The "Client (tous)" choices: members with cases the user sees — the first
    ``CLIENT_CHOICES`` by name (of those matching ``search``, in their name or number) and the
    ``selected`` one —, and whether more match. Read from the cases' own copies, along the company-name index: a few
    dozen rows whatever the portfolio."""
    fields, limit = ("member_id", "member_number", "company_name"), CLIENT_CHOICES
    rows = cases_visible_to(user=user)
    if search:
        rows = rows.filter(Q(company_name__icontains=search) | Q(member_number__icontains=search))
    found = [row[1:] for row in rows.annotate(sort_name=SortKey("company_name"))
             .order_by("sort_name", "company_name", "member_number", "member_id")
             .values_list("sort_name", *fields).distinct()[: limit + 1]]
    more = len(found) > limit
    found = found[:limit]
    if selected:  # one query whenever a client is chosen, listed or not
        chosen = list(cases_visible_to(user=user).filter(member_id=selected).values_list(*fields)[:1])
        found = found if not chosen or chosen[0] in found else [*chosen, *found]
    return [Member(id=member_id, member_number=number, company_name=name) for member_id, number, name in found], more


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
                                                                      "premium_call", "broker", "member")


# ------------------------------------------------------------------ for the activity app (issue 13 §1)
# « Suivre votre activité » reads the cycle amiable only through these two functions (STYLE:
# business apps do not import each other's models).


def case_counts_by_step(*, user: User, area: str, member_id: int | None = None) -> list[tuple[str, str, int]]:
    """The open cases (``ACTIVE_STAGES``) a user sees in ``area``, by step: ``(stage, label,
    count)`` in the order of the cycle, zeros included — the same rows and words as "Gérer le
    cycle amiable". One grouped count along the ``(broker, stage, id)`` index."""
    rows = Case.objects.filter(policy_scope_q(user=user, area=area), stage__in=ACTIVE_STAGES)
    if member_id:
        rows = rows.filter(member_id=member_id)
    counts = dict(rows.order_by().values_list("stage").annotate(count=Count("id")))
    return [(stage.value, stage.label, counts.get(stage.value, 0)) for stage in ACTIVE_STAGES]


def cover_steps_by_month(*, since: date, until: date) -> QuerySet:
    """Suspensions and terminations of cover, counted from the cases' history (the events the
    daily run records on the day each happens), per broker, member and month of the event, for
    every broker — the batch that refreshes the activity figures, not a page. Columns:
    ``step_broker``, ``step_member``, ``step_month`` (first day), ``suspensions``, ``terminations``."""
    steps = (EventType.SUSPENSION, EventType.TERMINATION)
    return (
        Event.objects.filter(type__in=steps, date__gte=since, date__lte=until, case__broker__isnull=False)
        .order_by()
        .values(step_broker=F("case__broker_id"), step_member=F("case__member_id"), step_month=TruncMonth("date"))
        .annotate(suspensions=Count("id", filter=Q(type=EventType.SUSPENSION)),
                  terminations=Count("id", filter=Q(type=EventType.TERMINATION)))
    )


# ------------------------------------------------------------------ cover of a policy, for other apps


class Cover(TextChoices):
    """Whether a policy's cover holds on a day, as the cycle amiable decides it."""

    IN_FORCE = "in_force", "En vigueur"
    SUSPENDED = "suspended", "Garanties suspendues"
    TERMINATED = "terminated", "Résiliée pour non-paiement"


@dataclass(frozen=True)
class CoverStatus:
    cover: Cover
    since: date | None = None  # the date of suspension or termination
    reason: str = ""  # in French, for the user: why the cover does not hold
    # In force, but a formal notice was sent: the cover is suspended on this date unless the
    # premium is paid by then (the earliest, when the policy has several cases).
    suspension_planned: date | None = None

    @property
    def in_force(self) -> bool:
        return self.cover == Cover.IN_FORCE


IN_FORCE = CoverStatus(Cover.IN_FORCE)


def _case_cover(case: dict, today: date) -> CoverStatus:
    """The cover one case leaves its policy on ``today``. Its dates decide, not only its stage: a
    daily run that has not run yet since the suspension or termination date (``cycle.DATE_MOVES``
    would move the case: not under manual follow-up, premium still due) changes nothing."""
    automatic = not case["manual_follow_up"] and case["unpaid"]
    terminated = case["stage"] in (Stage.TERMINATED, Stage.SETTLED) or (
        automatic and case["stage"] in (Stage.FORMAL_NOTICE, Stage.SUSPENDED) and case["termination_date"] <= today
    )
    if terminated:
        return CoverStatus(Cover.TERMINATED, case["termination_date"],
                           f"la police {case['policy_number']} est résiliée pour non-paiement depuis le "
                           f"{case['termination_date']:%d/%m/%Y} (cycle amiable).")
    if case["stage"] == Stage.SUSPENDED or (automatic and case["suspension_date"] <= today):
        return CoverStatus(Cover.SUSPENDED, case["suspension_date"],
                           f"les garanties de la police {case['policy_number']} sont suspendues depuis le "
                           f"{case['suspension_date']:%d/%m/%Y} pour non-paiement de la cotisation (mise en demeure "
                           f"du {case['formal_notice_date']:%d/%m/%Y}, cycle amiable).")
    if automatic and case["stage"] == Stage.FORMAL_NOTICE:
        return CoverStatus(Cover.IN_FORCE, suspension_planned=case["suspension_date"])
    return IN_FORCE


def policy_cover_status(*, policy_ids: list[int], today: date) -> dict[int, CoverStatus]:
    """The cover of each policy of ``policy_ids`` (a list of ids) on ``today``, for the apps
    that must not certify a policy the cycle amiable suspended or terminated (certificates). One
    query for any number of policies; a policy with no such case is in force (``IN_FORCE``).
    Terminated wins over suspended when a policy has several cases. A policy in force whose
    premium is in formal notice says when its cover will be suspended (``suspension_planned``)."""
    rows = (
        Case.objects.filter(policy_id__in=policy_ids, stage__in=NOTICE_STAGES + (Stage.SETTLED,))
        .annotate(unpaid=ExpressionWrapper(Q(premium_call__amount__gt=F("premium_call__paid_amount")),
                                           output_field=BooleanField()))
        .values("policy_id", "policy_number", "stage", "manual_follow_up", "unpaid", "formal_notice_date",
                "suspension_date", "termination_date")
    )
    statuses: dict[int, CoverStatus] = {}
    order = (Cover.IN_FORCE, Cover.SUSPENDED, Cover.TERMINATED)
    for row in rows:
        status = _case_cover(row, today)
        known = statuses.get(row["policy_id"], IN_FORCE)
        if order.index(status.cover) > order.index(known.cover) or (
                status.cover == known.cover == Cover.IN_FORCE and status.suspension_planned
                and (known.suspension_planned is None or status.suspension_planned < known.suspension_planned)):
            statuses[row["policy_id"]] = status
    return {policy_id: statuses.get(policy_id, IN_FORCE) for policy_id in policy_ids}
