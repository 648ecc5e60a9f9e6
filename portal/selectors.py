"""Reads of the platform, already scoped to what a user may see (SPEC §2)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from portal.models import Area, DelegationProfile, Member, Policy, Role, User
from portal.sorting import SortKey


def user_areas(*, user: User) -> frozenset[str]:
    """The areas a user may work in: all for an organisation administrator, those of their
    delegation profiles for a collaborator, none for others (they use the admin or the API)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.role == Role.ADMINISTRATOR:
        return frozenset(area.value for area in Area)
    if user.role == Role.COLLABORATOR:
        areas: set[str] = set()
        for profile in DelegationProfile.objects.filter(
            collaborators=user, organisation_id=user.organisation_id
        ):
            areas |= profile.areas()
        return frozenset(areas)
    return frozenset()


def user_has_area(*, user: User, area: str) -> bool:
    return area in user_areas(user=user)


def policy_scope_q(*, user: User, area: str, prefix: str = "") -> Q:
    """A filter on policies (or on rows reaching a policy through ``prefix``) a user may see.

    Administrators see their organisation's policies; collaborators those of the members
    delegated to them for ``area``; accounting and the system see everything.
    """
    nothing = Q(**{f"{prefix}pk__in": []})
    if not user.is_authenticated or not user.is_active:
        return nothing
    if user.role in (Role.ACCOUNTING, Role.SYSTEM) or user.is_superuser:
        return Q()
    if user.role == Role.ADMINISTRATOR:
        return Q(**{f"{prefix}broker_id": user.organisation_id})
    if user.role == Role.COLLABORATOR:
        delegated = Member.objects.filter(
            delegations__collaborators=user,
            delegations__organisation_id=user.organisation_id,
            **{f"delegations__area_{area}": True},
        ).values("id")
        return Q(**{f"{prefix}broker_id": user.organisation_id, f"{prefix}member_id__in": delegated})
    return nothing


def policies_visible_to(*, user: User, area: str = Area.AMIABLE) -> QuerySet[Policy]:
    return Policy.objects.filter(policy_scope_q(user=user, area=area))


def members_visible_to(*, user: User, area: str = Area.AMIABLE) -> QuerySet[Member]:
    return Member.objects.filter(
        id__in=policies_visible_to(user=user, area=area).values("member_id")
    ).order_by(SortKey("company_name"), "company_name")
