"""Helpers every paper-mail page uses: access and the envelope of the URL."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from courrier.selectors import envelopes_visible_to
from portal.models import Area
from portal.views import area_required

courrier_page = area_required(Area.COURRIER)


def envelope_for(request, pk: int):
    """The envelope of the URL if the user may see it (404 otherwise: never another
    organisation's, nor a collaborator's envelope created by someone else)."""
    return get_object_or_404(envelopes_visible_to(user=request.user).select_related("organisation", "created_by"),
                             pk=pk)
