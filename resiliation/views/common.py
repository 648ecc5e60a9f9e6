"""Helpers every résiliation page uses: access, the letter of the URL, htmx answers."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from portal.models import Area
from portal.views import area_required
from resiliation.selectors import letters_visible_to

resiliation_page = area_required(Area.RESILIATION)


def letter_for(request, pk: int, *, for_update: bool = False):
    """The letter of the URL if the user may see it (404 otherwise: never another
    organisation's, nor a collaborator's letter managed by someone else)."""
    letters = letters_visible_to(user=request.user).select_related("insurer", "organisation", "managed_by",
                                                                   "created_by")
    return get_object_or_404(letters, pk=pk)


def changed(response):
    """Tell the page (htmx) that the letter changed: the preview reloads."""
    response["HX-Trigger"] = "letter-changed"
    return response
