"""Helpers every résiliation page uses: access, the letter of the URL, htmx answers."""

from __future__ import annotations

from django.shortcuts import get_object_or_404, render

from portal.models import Area
from portal.views import area_required
from resiliation.selectors import letters_visible_to

resiliation_page = area_required(Area.RESILIATION)


def letter_for(request, pk: int):
    """The letter of the URL if the user may see it (404 otherwise: never another
    organisation's, nor a collaborator's letter managed by someone else)."""
    letters = letters_visible_to(user=request.user).select_related("insurer", "organisation", "managed_by",
                                                                   "created_by")
    return get_object_or_404(letters, pk=pk)


def changed(response):
    """Tell the page (htmx) that the letter changed: the preview reloads."""
    response["HX-Trigger"] = "letter-changed"
    return response


def unless_editable(request, letter, *, action: str):
    """The page of a change a letter no longer allows once it left the drafts (scheduled, sent,
    cancelled…): its state and a way back, instead of a form that would only refuse on save.
    None while the letter is a draft."""
    if letter.is_editable:
        return None
    return render(request, "resiliation/locked.html", {"letter": letter, "action": action})


def errors_text(form) -> str:
    """A form's errors as one French sentence (a service's refusal held by ``form_call``)."""
    return " ".join(message for messages in form.errors.values() for message in messages)
