"""Reads of the paper-mail service, already scoped to what the user may see.

Who sees which envelope: an organisation administrator sees every envelope of the
organisation; a collaborator with the courrier area sees the envelopes they created (« Créé
par »; envelopes are not tied to delegated sociétaires). Nobody sees another organisation's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from courrier.models import Envelope
from portal.models import Area, Membership, Role, User
from portal.selectors import organisation_rows_for

if TYPE_CHECKING:
    from courrier.filters import EnvelopeFilter


def envelopes_visible_to(*, user: User) -> QuerySet[Envelope]:
    return organisation_rows_for(queryset=Envelope.objects.all(), user=user, area=Area.COURRIER,
                                 owner_field="created_by")


def creators_for(*, user: User) -> QuerySet[User]:
    """Users of the organisation who may create envelopes (the « Créé par » filter): its
    administrators and the collaborators whose membership there grants the courrier area."""
    memberships = Membership.objects.filter(organisation_id=user.organisation_id, is_active=True).filter(
        Q(role=Role.ADMINISTRATOR)
        | Q(delegation_profiles__area_courrier=True, delegation_profiles__organisation_id=user.organisation_id)
    )
    if user.role != Role.ADMINISTRATOR:
        memberships = memberships.filter(user=user)
    return User.objects.filter(id__in=memberships.values("user_id")).order_by("last_name", "first_name", "email")


def envelope_rows_for(*, user: User, params) -> EnvelopeFilter:
    """« Tous les courriers papiers »: the visible envelopes, filtered, searched and sorted
    (django-filter), one query for the rows whatever their number."""
    from courrier.filters import EnvelopeFilter

    rows = envelopes_visible_to(user=user).select_related("created_by").order_by("-id")
    return EnvelopeFilter(params, queryset=rows, user=user)
