"""Reads of the help requests, the FAQ and the footer's pages, scoped to what a user may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from portal.models import (
    HELP_PUBLIC_KINDS,
    FaqCategory,
    FaqEntry,
    HelpMessage,
    HelpRequest,
    Role,
    User,
)


def help_requests_visible_to(*, user: User) -> QuerySet[HelpRequest]:
    """The requests of the user's current organisation: all of them for its administrators,
    their own for a collaborator; nothing for anyone else (staff use the admin)."""
    if not (user.is_authenticated and user.is_active and user.is_intermediary and user.organisation_id):
        return HelpRequest.objects.none()
    requests = HelpRequest.objects.filter(organisation_id=user.organisation_id)
    if user.role != Role.ADMINISTRATOR:
        requests = requests.filter(requester=user)
    return requests


@dataclass(frozen=True)
class HelpFilters:
    """« Récapitulatif de mes demandes »: « Toutes les demandes » / « Mes demandes », the search
    (dossier n° or content) and the filters (status, subject, period)."""

    mine: bool = False
    search: str = ""
    status: str = ""
    subject: str = ""
    start: date | None = None
    end: date | None = None

    @property
    def count(self) -> int:
        """How many filters are on (« Filtre (n) »)."""
        return sum(bool(value) for value in (self.status, self.subject, self.start, self.end))


def help_request_rows_for(*, user: User, filters: HelpFilters = HelpFilters()) -> QuerySet[HelpRequest]:
    rows = help_requests_visible_to(user=user)
    if filters.mine:
        rows = rows.filter(requester=user)
    term = filters.search.strip()
    if term:
        # The content the user can read: the title and the messages, never an internal note.
        matches = Q(title__icontains=term) | Exists(HelpMessage.objects.filter(
            help_request=OuterRef("pk"), kind__in=HELP_PUBLIC_KINDS, body__icontains=term))
        digits = term.removeprefix("n°").strip()
        if digits.isdigit() and len(digits) <= 7:
            matches |= Q(file_number=int(digits))
        rows = rows.filter(matches)
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.subject:
        rows = rows.filter(subject=filters.subject)
    if filters.start:
        rows = rows.filter(created_at__date__gte=filters.start)
    if filters.end:
        rows = rows.filter(created_at__date__lte=filters.end)
    return rows.select_related("requester").order_by("-created_at", "-id")


def help_request_for(*, user: User, file_number: int) -> HelpRequest:
    """One request the user may see (``HelpRequest.DoesNotExist`` otherwise: the pages answer 404)."""
    return help_requests_visible_to(user=user).select_related("requester", "organisation").get(
        file_number=file_number)


def help_conversation(*, help_request: HelpRequest, staff: bool = False) -> list[HelpMessage]:
    """The messages in order, with their authors and attachments; internal notes for staff only."""
    messages = HelpMessage.objects.filter(help_request=help_request)
    if not staff:
        messages = messages.filter(kind__in=HELP_PUBLIC_KINDS)
    return list(messages.select_related("author").prefetch_related("attachments__document").order_by("created_at", "id"))


def faq_categories(*, search: str = "") -> list[FaqCategory]:
    """The published entries by category, in order; ``search`` looks in questions and answers."""
    entries = FaqEntry.objects.filter(is_published=True)
    term = search.strip()
    if term:
        entries = entries.filter(Q(question__icontains=term) | Q(answer__icontains=term))
    categories = FaqCategory.objects.filter(Exists(entries.filter(category=OuterRef("pk"))))
    return list(categories.prefetch_related(Prefetch("entries", queryset=entries.order_by("position", "id"),
                                                     to_attr="published")))
