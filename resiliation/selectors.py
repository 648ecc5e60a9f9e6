"""Reads of the résiliation app, already scoped to what the user may see.

Who sees which letter: an organisation administrator sees every letter of the organisation;
a collaborator with the résiliation area sees the letters they manage (« Géré par ») — the
souscripteurs of termination letters are new clients, not delegated sociétaires, so the
seed's « Géré par » is the natural scope. Nobody sees another organisation's letters.
"""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from portal.models import Area, Membership, Role, User
from portal.selectors import user_areas
from portal.sorting import SortKey
from resiliation.models import (
    PLANNED_STATUSES,
    SENT_STATUSES,
    Insurer,
    LetterContract,
    LetterStatus,
    TerminationLetter,
)

FOLDERS = {
    "all": ("Tous les courriers", None),
    "drafts": ("Courriers à terminer", [LetterStatus.DRAFT]),
    "scheduled": ("Courriers programmés", list(PLANNED_STATUSES)),
    "sent": ("Courriers envoyés", list(SENT_STATUSES)),
    "trash": ("Corbeille", None),
}


def letters_visible_to(*, user: User) -> QuerySet[TerminationLetter]:
    if not user.is_authenticated or Area.RESILIATION not in user_areas(user=user):
        return TerminationLetter.objects.none()
    letters = TerminationLetter.objects.filter(organisation_id=user.organisation_id)
    if user.role != Role.ADMINISTRATOR:
        letters = letters.filter(managed_by=user)
    return letters


def letter_rows_for(*, user: User, folder: str = "all", number: int | None = None, subscriber: str = "",
                    contract: str = "", recipient: str = "", manager: int | None = None) -> QuerySet[TerminationLetter]:
    """The « Résiliations » list: a folder (pre-saved filter) and the column filters."""
    letters = letters_visible_to(user=user)
    letters = letters.filter(trashed_at__isnull=folder != "trash")
    statuses = FOLDERS.get(folder, FOLDERS["all"])[1]
    if statuses:
        letters = letters.filter(status__in=statuses)
    if number:
        letters = letters.filter(pk=number)
    if subscriber.strip():
        term = subscriber.strip()
        letters = letters.filter(Q(last_name__icontains=term) | Q(first_name__icontains=term)
                                 | Q(company_name__icontains=term) | Q(city__icontains=term))
    if contract.strip():
        letters = letters.filter(contracts__reference__icontains=contract.strip()).distinct()
    if recipient.strip():
        letters = letters.filter(insurer__name__icontains=recipient.strip())
    if manager:
        letters = letters.filter(managed_by_id=manager)
    return letters.select_related("insurer", "managed_by").prefetch_related(
        Prefetch("contracts", queryset=LetterContract.objects.order_by("id"))).order_by("-id")


def insurers_matching(*, term: str, limit: int = 15) -> QuerySet[Insurer]:
    term = (term or "").strip()
    if len(term) < 2:
        return Insurer.objects.none()
    return Insurer.objects.filter(is_active=True, name__icontains=term).order_by(SortKey("name"), "name")[:limit]


def managers_for(*, user: User) -> QuerySet[User]:
    """Users of the organisation who may manage letters (for « Géré par »)."""
    memberships = Membership.objects.filter(organisation_id=user.organisation_id, is_active=True).filter(
        Q(role=Role.ADMINISTRATOR) | Q(delegation_profiles__area_resiliation=True,
                                       delegation_profiles__organisation_id=user.organisation_id))
    return User.objects.filter(is_active=True, memberships__in=memberships).distinct().order_by(SortKey("last_name"), "last_name", "email")
