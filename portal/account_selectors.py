"""Reads of accounts (issue 10 §2–5), scoped to the current organisation of the user who asks:
its users (memberships), delegation profiles, portfolio and audit. Each list answers from a
fixed number of queries, whatever the number of rows (asserted in tests at 1 000 rows)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from portal.models import (
    AccountAudit,
    DelegationDepartement,
    DelegationProfile,
    Member,
    Membership,
    Policy,
    Role,
    User,
)


def is_administrator(user: User) -> bool:
    """The user administers their current organisation (see ``portal.memberships``)."""
    return bool(user.is_authenticated and user.is_active and user.role == Role.ADMINISTRATOR and user.organisation_id)


def memberships_of(*, organisation_id: int, search: str = "") -> QuerySet[Membership]:
    """« Utilisateurs du compte »: the organisation's people, their role, profiles and state."""
    memberships = (Membership.objects.filter(organisation_id=organisation_id)
                   .select_related("user")
                   .prefetch_related(Prefetch("delegation_profiles",
                                              queryset=DelegationProfile.objects.order_by("name")))
                   .order_by("-is_active", "user__last_name", "user__first_name", "user__email"))
    term = search.strip()
    if term:
        memberships = memberships.filter(Q(user__email__icontains=term) | Q(user__last_name__icontains=term)
                                         | Q(user__first_name__icontains=term))
    return memberships


def membership_of_organisation(*, organisation_id: int, membership_id: int) -> Membership | None:
    return (Membership.objects.select_related("user", "organisation")
            .filter(organisation_id=organisation_id, pk=membership_id).first())


def profiles_of(*, organisation_id: int) -> QuerySet[DelegationProfile]:
    """The organisation's delegation profiles with what they grant and to how many people."""
    return (DelegationProfile.objects.filter(organisation_id=organisation_id)
            .prefetch_related(Prefetch("departements", queryset=DelegationDepartement.objects.order_by("code")),
                              Prefetch("collaborators",
                                       queryset=Membership.objects.select_related("user").order_by("user__last_name")))
            .annotate(member_count=Count("members", distinct=True))
            .order_by("name"))


def profile_of(*, organisation_id: int, profile_id: int) -> DelegationProfile | None:
    return DelegationProfile.objects.filter(organisation_id=organisation_id, pk=profile_id).first()


def portfolio_for(*, organisation_id: int, search: str = "") -> QuerySet[Member]:
    """« Portefeuille » (seed 003): the organisation's clients (sociétaires) with their policies at
    the organisation; searched by n° sociétaire, raison sociale, n° police, code postal or ville."""
    own = Policy.objects.filter(member=OuterRef("pk"), broker_id=organisation_id)
    members = Member.objects.filter(Exists(own))
    term = search.strip()
    if term:
        members = members.filter(
            Q(member_number__icontains=term) | Q(company_name__icontains=term) | Q(postal_code__startswith=term)
            | Q(city__icontains=term)
            | Exists(Policy.objects.filter(member=OuterRef("pk"), broker_id=organisation_id, number__icontains=term))
        )
    return members.prefetch_related(
        Prefetch("policies", queryset=Policy.objects.filter(broker_id=organisation_id).order_by("number"),
                 to_attr="own_policies")
    ).order_by("company_name", "member_number")


@dataclass(frozen=True)
class Delegate:
    name: str
    profile: str
    how: str  # « liste » or « département 38 »


def delegates_of(*, organisation_id: int, members: list[Member]) -> dict[int, list[Delegate]]:
    """Which active collaborators each of these members is delegated to, and through which
    profile — listed in it, or living in one of its départements. Three queries, whatever the
    number of members and profiles."""
    profiles = {profile.pk: profile for profile in DelegationProfile.objects.filter(organisation_id=organisation_id)
                .prefetch_related(Prefetch("collaborators", queryset=Membership.objects.filter(is_active=True)
                                           .select_related("user").order_by("user__last_name", "user__email")),
                                  "departements")}
    listed = DelegationProfile.members.through.objects.filter(
        delegationprofile_id__in=list(profiles), member_id__in=[member.pk for member in members]
    ).values_list("member_id", "delegationprofile_id")
    by_member: dict[int, list[Delegate]] = defaultdict(list)
    for member_id, profile_id in listed:
        profile = profiles[profile_id]
        by_member[member_id] += [Delegate(str(m.user), profile.name, "liste") for m in profile.collaborators.all()]
    by_departement: dict[str, list[DelegationProfile]] = defaultdict(list)
    for profile in profiles.values():
        for departement in profile.departements.all():
            by_departement[departement.code].append(profile)
    for member in members:
        for profile in by_departement.get(member.departement, []):
            by_member[member.pk] += [Delegate(str(m.user), profile.name, f"département {member.departement}")
                                     for m in profile.collaborators.all()]
    return dict(by_member)


def audit_of(*, organisation_id: int) -> QuerySet[AccountAudit]:
    return AccountAudit.objects.filter(organisation_id=organisation_id).order_by("-at", "-id")


def switchable_memberships(*, user: User) -> list[Membership]:
    """The person's active memberships (already read for this request by ``portal.memberships``)."""
    return list(getattr(user, "memberships_active", []) or [])
