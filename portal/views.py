"""Pages of the platform: home and the helpers every page view uses."""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from portal.errors import ApplicationError, PermissionDeniedError
from portal.models import Area
from portal.selectors import user_areas


def area_required(area: str):
    """A page of one area: login required, and the area granted (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if area not in user_areas(user=request.user):
                raise PermissionDenied("Vous n'avez pas accès à cet espace.")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def next_url(request, *, default: str) -> str:
    """Where to go after a form: the request's ``next`` (form field, then query string) when it is a
    same-site relative path, else ``default``. Read before any change, so a bad ``next`` never
    turns a saved change into an error: it just falls back to a safe page."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts=None,
                                                                   require_https=request.is_secure()):
        return target
    return default


def form_error(form, error: ApplicationError) -> None:
    """Show a service's error next to its field (or above the form)."""
    field = error.field if error.field in getattr(form, "fields", {}) else None
    form.add_error(field, error.message)


def form_call(form, service, /, **kwargs):
    """Call ``service`` for a submitted ``form``: its result, or None with the service's
    ``ApplicationError`` shown on the form. A ``PermissionDeniedError`` is no form error: it goes
    on to ``portal.middleware.ApplicationErrorMiddleware`` (403 with its message)."""
    try:
        return service(**kwargs)
    except PermissionDeniedError:
        raise
    except ApplicationError as error:
        form_error(form, error)
        return None


@dataclass(frozen=True)
class Tile:
    top: str
    bottom: str
    url_name: str
    area: str | None = None
    icon: str = "activity"

    @property
    def icon_path(self) -> str:
        return f"img/tiles/{self.icon}.svg"


# The tiles of seed 000's home page, then the modules of the portal. A tile shows only when
# its page exists and the user may open it: no dead link.
TILES = [
    Tile("suivre", "votre activité", "activity:index", Area.AMIABLE, "activity"),
    Tile("gérer", "le cycle amiable", "amiable:cases", Area.AMIABLE, "amiable"),
    Tile("obtenir une", "attestation client", "certificates:index", Area.AMIABLE, "certificate"),
    Tile("voir les", "commissions", "commissions:index", Area.AMIABLE, "commissions"),
    Tile("télécharger", "nos contrats", "contracts:index", None, "contracts"),
    Tile("un devis", "Pyramide Artisan", "quotes:pyramide", None, "quote"),
    Tile("résilier", "un contrat", "resiliation:letters", Area.RESILIATION, "resiliation"),
    Tile("envoyer", "un courrier papier", "courrier:envelopes", Area.COURRIER, "courrier"),
    Tile("suivre la", "facturation", "billing:index", Area.BILLING, "billing"),
]


def tiles_for(user) -> list[dict]:
    areas = user_areas(user=user)
    visible = []
    for tile in TILES:
        if tile.area is not None and tile.area not in areas:
            continue
        if tile.area is None and not user.is_intermediary:
            continue
        try:
            url = reverse(tile.url_name)
        except NoReverseMatch:
            continue
        visible.append({"tile": tile, "url": url})
    return visible


@login_required
def home(request):
    return render(
        request,
        "portal/home.html",
        {"tiles": tiles_for(request.user), "admin_url": reverse("admin:index") if request.user.is_staff else None},
    )
