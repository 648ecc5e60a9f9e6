"""Reads of the platform, already scoped to what a user may see (SPEC §2).

A broker's or agent's user acts for one membership at a time (``portal.memberships``): these
reads use ``user.organisation_id`` and ``user.role`` — the current membership's during a
request, the default membership's elsewhere — and find the membership's delegation profiles
by (user, organisation), so that they cost no query of their own.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from portal.models import (
    Area,
    DelegationDepartement,
    DelegationProfile,
    Member,
    Membership,
    NewsItem,
    Policy,
    Role,
    User,
)
from portal.sorting import SortKey


def _profiles_of(*, user: User, organisation_id: int | None) -> QuerySet[DelegationProfile]:
    """The delegation profiles of the user's active membership in that organisation."""
    return DelegationProfile.objects.filter(
        organisation_id=organisation_id,
        collaborators__user=user,
        collaborators__organisation_id=organisation_id,
        collaborators__is_active=True,
    )


def membership_areas(*, membership: Membership) -> frozenset[str]:
    """The areas a membership grants: all to an administrator, its profiles' to a collaborator."""
    if not membership.is_active:
        return frozenset()
    if membership.role == Role.ADMINISTRATOR:
        return frozenset(area.value for area in Area)
    areas: set[str] = set()
    for profile in membership.delegation_profiles.filter(organisation_id=membership.organisation_id):
        areas |= profile.areas()
    return frozenset(areas)


def user_areas(*, user: User) -> frozenset[str]:
    """The areas a user may work in: all for an organisation administrator, those of their
    delegation profiles for a collaborator, none for others (they use the admin or the API)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.role == Role.ADMINISTRATOR:
        return frozenset(area.value for area in Area)
    if user.role == Role.COLLABORATOR:
        areas: set[str] = set()
        for profile in _profiles_of(user=user, organisation_id=user.organisation_id):
            areas |= profile.areas()
        return frozenset(areas)
    return frozenset()


def user_has_area(*, user: User, area: str) -> bool:
    return area in user_areas(user=user)


def policy_scope_q(*, user: User, area: str, prefix: str = "") -> Q:
    """A filter on policies (or on rows reaching a policy through ``prefix``) a user may see.

    Administrators see their organisation's policies; collaborators those of the members
    delegated to them for ``area`` — listed in one of their profiles, or living in one of its
    départements; accounting and the system see everything.
    """
    nothing = Q(**{f"{prefix}pk__in": []})
    if not user.is_authenticated or not user.is_active:
        return nothing
    if user.role in (Role.ACCOUNTING, Role.SYSTEM) or user.is_superuser:
        return Q()
    if user.role == Role.ADMINISTRATOR:
        return Q(**{f"{prefix}broker_id": user.organisation_id})
    if user.role == Role.COLLABORATOR:
        profiles = _profiles_of(user=user, organisation_id=user.organisation_id).filter(**{f"area_{area}": True})
        listed = Member.objects.filter(delegations__in=profiles).values("id")
        departements = DelegationDepartement.objects.filter(profile__in=profiles).values("code")
        return Q(**{f"{prefix}broker_id": user.organisation_id}) & (
            Q(**{f"{prefix}member_id__in": listed}) | Q(**{f"{prefix}member__departement__in": departements})
        )
    return nothing


def policies_visible_to(*, user: User, area: str = Area.AMIABLE) -> QuerySet[Policy]:
    return Policy.objects.filter(policy_scope_q(user=user, area=area))


def members_visible_to(*, user: User, area: str = Area.AMIABLE) -> QuerySet[Member]:
    return Member.objects.filter(
        id__in=policies_visible_to(user=user, area=area).values("member_id")
    ).order_by(SortKey("company_name"), "company_name")


def organisation_rows_for(*, queryset: QuerySet, user: User, area: str, owner_field: str) -> QuerySet:
    """Rows of an area that belong to the user's organisation: all of them for its
    administrator, only their own (``owner_field``: the user who created or manages the row)
    for a collaborator with the area, none for anyone else — never another organisation's.
    The organisation is read from ``organisation_id`` on the rows."""
    if not user.is_authenticated or area not in user_areas(user=user):
        return queryset.none()
    rows = queryset.filter(organisation_id=user.organisation_id)
    if user.role != Role.ADMINISTRATOR:
        rows = rows.filter(**{owner_field: user})
    return rows


NEWS_ON_HOME = 3


def news_current(*, today) -> QuerySet:
    """The published news items shown on ``today`` (from their start date to their end date
    included), the latest first."""
    return NewsItem.objects.filter(is_published=True, starts_on__lte=today, ends_on__gte=today).order_by(
        "-starts_on", "-id")
