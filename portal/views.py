"""Pages of the platform: home and the helpers every page view uses."""

from __future__ import annotations

import logging
import re
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import DisallowedHost, PermissionDenied
from django.http import HttpResponse, HttpResponsePermanentRedirect, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.templatetags.static import static
from django.urls import Resolver404, reverse
from django.utils.http import url_has_allowed_host_and_scheme

from portal import clock, navigation, selectors
from portal.errors import ApplicationError, PermissionDeniedError
from portal.markup import markdown_html
from portal.models import Area

logger = logging.getLogger(__name__)


def area_required(area: str):
    """A page of one area: login required, and the area granted (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if area not in navigation.for_request(request).areas:
                raise PermissionDenied(f"L'espace « {Area(area).label} » ne fait pas partie de vos habilitations : "
                                       "demandez-le à l'administrateur de votre cabinet.")
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
    """Show a service's error next to its field (or above the form), bound or not."""
    field = error.field if error.field in getattr(form, "fields", {}) else None
    if not hasattr(form, "cleaned_data"):  # an unbound form has never been cleaned
        form.cleaned_data = {}
    form.add_error(field, error.message)


def valid_filters(request, form, *, notify: bool = True) -> dict:
    """The valid filters of a list page (a ``forms.Form`` over ``request.GET``); a wrong one is
    left out, with a French message on the page, never a server error."""
    form.is_valid()
    if form.errors and notify and not request.htmx:
        names = ", ".join(f"« {form.fields[name].label or name} »" for name in form.errors if name in form.fields)
        messages.warning(request, f"Filtre ignoré car sa valeur n'est pas valide : {names}.")
    return form.cleaned_data


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


def action_call(request, service, /, *, success="", **kwargs) -> bool:
    """Call ``service`` for a button that redirects (no form to show an error on). Done: the
    ``success`` message (a text, or a function of the service's result) for the next page, and
    True. Refused: the service's ``ApplicationError`` as the French message of the next page,
    nothing changed, and False. A ``PermissionDeniedError`` goes on to
    ``ApplicationErrorMiddleware`` (403), as in ``form_call``."""
    try:
        result = service(**kwargs)
    except PermissionDeniedError:
        raise
    except ApplicationError as error:
        messages.error(request, error.message)
        return False
    text = success(result) if callable(success) else success
    if text:
        messages.success(request, text)
    return True


@login_required
def home(request):
    """Seed 000's home page: the tiles the apps register, for the areas the user may open."""
    return render(request, "portal/home.html", {
        "tiles": navigation.for_request(request).tiles,
        "admin_url": reverse("admin:index") if request.user.is_staff else None,
        "news": _news(limit=selectors.NEWS_ON_HOME + 1),
        "news_on_home": selectors.NEWS_ON_HOME,
    })


def _news(*, limit: int | None = None) -> list:
    items = selectors.news_current(today=clock.business_today())
    items = list(items[:limit] if limit else items)
    for item in items:
        item.body_html = markdown_html(item.body)
    return items


@login_required
def news(request):
    """« Découvrez les nouveautés de votre espace » (issue 13 §6): every news item shown today."""
    return render(request, "portal/news.html", {"news": _news()})


# ------------------------------------------------------------------------------ error pages
# French pages in the layout, with the reason when there is one to tell (``handler400``… in
# ``portal.urls``; ``CSRF_FAILURE_VIEW``). Django's own 404 messages are English and technical
# ("No Letter matches the given query."): only the product's French messages are shown.
DJANGO_404_MESSAGES = re.compile(r"matches the given query|^No .* found|does not exist|^Resolver404$|^Http404$")


def _error_page(request, *, status: int, title: str, reason: str, template: str):
    referer = request.META.get("HTTP_REFERER", "")
    try:
        same_site = referer != request.build_absolute_uri() and url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure())
    except DisallowedHost:  # the 400 of a request to an unknown host
        same_site = False
    context = {"status": status, "title": title, "reason": reason, "request_path": request.path,
               "back_url": referer if same_site else ""}
    try:
        return render(request, template, context, status=status)
    except Exception:  # noqa: BLE001 — an error page must not fail (missing static manifest, database down…)
        logger.exception("La page d'erreur %s n'a pas pu être rendue dans la mise en page.", status)
        return _bare_error_page(status=status, title=title, reason=reason)


def _bare_error_page(*, status: int, title: str, reason: str = "") -> HttpResponse:
    """The same French words without the layout, when the layout cannot be rendered."""
    from django.utils.html import escape

    text = escape(reason) if reason else "Revenez à la page précédente ou à l'accueil."
    body = (f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{escape(title)} · '
            f'{escape(settings.PORTAL_INSURER_NAME)}</title></head><body><main><h1>{escape(title)}</h1>'
            f'<p>{text}</p><p><a href="/">Retour à l\'accueil</a></p></main></body></html>')
    return HttpResponse(body, status=status)


def _reason(exception) -> str:
    message = exception.args[0] if exception is not None and exception.args else ""
    return message if isinstance(message, str) else ""


def bad_request(request, exception=None):
    return _error_page(request, status=400, title="Requête incorrecte", reason=_reason(exception),
                       template="400.html")


def permission_denied(request, exception=None):
    return _error_page(request, status=403, title="Accès refusé", reason=_reason(exception), template="403.html")


def page_not_found(request, exception=None):
    reason = "" if isinstance(exception, Resolver404) else _reason(exception)
    if DJANGO_404_MESSAGES.search(reason):
        reason = ""
    return _error_page(request, status=404, title="Page introuvable", reason=reason, template="404.html")


def server_error(request):
    """Rendered without the request's context processors: a failing database or template must
    not fail the error page too (no menu, no user, only the layout)."""
    try:
        template = loader.get_template("500.html")
        body = template.render({"status": 500, "title": "Erreur du serveur", "error_page": True,
                                "insurer_name": settings.PORTAL_INSURER_NAME})
    except Exception:  # noqa: BLE001 — the last resort must answer, whatever failed
        logger.exception("La page d'erreur 500 n'a pas pu être rendue dans la mise en page.")
        return _bare_error_page(status=500, title="Erreur du serveur",
                                reason="Une erreur est survenue de notre côté. Réessayez dans quelques instants.")
    return HttpResponseServerError(body)


def csrf_failure(request, reason=""):
    """``CSRF_FAILURE_VIEW``: an expired form (session ended, page left open) explained in French."""
    return _error_page(request, status=403, title="Formulaire expiré", template="403_csrf.html",
                       reason="")


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: the same icon, permanently."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))
