"""The membership each request acts for (issue 10 §5: several organisations per person).

A broker's or agent's user may belong to several organisations, one ``Membership`` each, with
its own role and delegation. Every page, export, PDF and API call acts for ONE of them — the
current membership — and the whole product reads it through the user object it already reads:
``user.organisation``, ``user.organisation_id`` and ``user.role`` are set in memory, for this
request only, from the current membership (the selectors find the delegation profiles of the
membership from the same two values). Nothing of this is saved.

* Pages (session): ``CurrentMembershipMiddleware`` reads the membership chosen with "Changer de
  compte entreprise" (its id in the session; none stored until the person switches), checks on
  each request that it is still an active membership of the user — else falls back to the
  user's default membership, then to any active one — and signs the person out when none is
  left. One query per request (the person's active memberships, with their organisations).
* API (token): ``MembershipTokenAuthentication`` — an ``ApiToken`` acts for the membership it
  was issued for; a user-level DRF token acts for the user's default membership.

Accounting and the system (user-level roles) have no membership: nothing changes for them.
"""

from __future__ import annotations

import hashlib

from django.contrib.auth import logout
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from portal.models import ApiToken, Membership, User

SESSION_KEY = "portal_membership_id"
MEMBERSHIP_ROLES = frozenset(role.value for role in Membership.ROLES)


def has_memberships(user) -> bool:
    """Users who act through a membership: brokers' and agents' people (not staff, not the system)."""
    return getattr(user, "role", None) in MEMBERSHIP_ROLES


def active_memberships(user: User) -> list[Membership]:
    """The user's active memberships, with their organisations, by organisation name (one query)."""
    return list(Membership.objects.filter(user_id=user.pk, is_active=True, organisation__is_active=True)
                .select_related("organisation").order_by("organisation__name", "organisation_id"))


def membership_choose(*, memberships: list[Membership], wanted_id, default_organisation_id) -> Membership | None:
    """The membership chosen in the session if still active, else the default one, else the first."""
    by_id = {membership.id: membership for membership in memberships}
    if wanted_id in by_id:
        return by_id[wanted_id]
    default = next((m for m in memberships if m.organisation_id == default_organisation_id), None)
    return default or (memberships[0] if memberships else None)


def membership_apply(user: User, membership: Membership, memberships: list[Membership]) -> None:
    """Make ``user`` act for ``membership`` in memory (never saved: see the module's docstring)."""
    user.organisation = membership.organisation
    user.role = membership.role
    user.membership = membership
    user.memberships_active = memberships


class CurrentMembershipMiddleware:
    """After ``AuthenticationMiddleware``: the current membership of a signed-in person."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and has_memberships(user):
            memberships = active_memberships(user)
            chosen = membership_choose(memberships=memberships, wanted_id=request.session.get(SESSION_KEY),
                                       default_organisation_id=user.organisation_id)
            if chosen is None:
                logout(request)  # every access of the person was deactivated: the session ends
            else:
                membership_apply(user, chosen, memberships)
                if request.session.get(SESSION_KEY) not in (None, chosen.id):
                    del request.session[SESSION_KEY]  # that access was deactivated: back to the default
        return self.get_response(request)


def api_token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class MembershipTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``: an organisation's token (``ApiToken``) acts for its
    membership; a user's DRF token for the user's default membership (or for the user alone,
    for accounting and the system)."""

    def authenticate_credentials(self, key):
        token = (ApiToken.objects.select_related("membership__user", "membership__organisation")
                 .filter(key_hash=api_token_hash(key)).first())
        if token is not None:
            membership, user = token.membership, token.membership.user
            if not (user.is_active and user.activated_at and membership.is_active
                    and membership.organisation.is_active):
                raise exceptions.AuthenticationFailed("Jeton inactif : l'accès à ce cabinet est désactivé.")
            membership_apply(user, membership, [membership])
            return user, token
        user, drf_token = super().authenticate_credentials(key)
        if has_memberships(user):
            membership = (Membership.objects.select_related("organisation")
                          .filter(user=user, organisation_id=user.organisation_id, is_active=True,
                                  organisation__is_active=True).first())
            if membership is None:
                raise exceptions.AuthenticationFailed("Jeton inactif : l'accès à ce cabinet est désactivé.")
            membership_apply(user, membership, [membership])
        return user, drf_token
