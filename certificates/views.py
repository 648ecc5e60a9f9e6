"""« Obtenir une attestation client » (pages of the certificates area) and the public page
``/verifier/<code>`` that confirms a certificate, or not."""

from __future__ import annotations

from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from certificates import selectors, services
from certificates.forms import CertificateForm
from portal import clock
from portal.files import document_response
from portal.forms import request_id, search_term
from portal.models import Area
from portal.views import area_required, form_call

certificates_page = area_required(Area.CERTIFICATES)
PAGE_SIZE = 25
# The public page: at most this many lookups per address and window (a cache counter), then 429.
VERIFY_LIMIT = 30
VERIFY_WINDOW_SECONDS = 600
UNKNOWN = "Certificat inconnu"


@require_GET
@certificates_page
def certificates(request):
    """« Attestations délivrées »: every certificate the user may see, newest first."""
    page = Paginator(selectors.certificate_rows_for(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "certificates/certificates.html", {"page": page})


@require_http_methods(["GET", "POST"])
@certificates_page
def new(request):
    """Pick a client (search), then one of its policies in force and the period of cover."""
    today = clock.business_today()
    search = search_term(request.GET)
    member = selectors.client_for(user=request.user, member_id=request_id(request.GET, "client"))
    form = CertificateForm(request.POST or None, today=today)
    if request.method == "POST" and member is not None and form.is_valid():
        certificate = form_call(form, services.certificate_issue, by=request.user,
                                policy_id=form.cleaned_data["policy"], period_start=form.cleaned_data["period_start"],
                                period_end=form.cleaned_data["period_end"], today=today)
        if certificate is not None:
            messages.success(request, f"Attestation délivrée pour la police {certificate.policy_number} "
                                      f"({certificate.holder_name}).")
            return redirect(f"{reverse('certificates:list')}?nouvelle={certificate.id}")
    return render(request, "certificates/new.html", {
        "search": search,
        "clients": selectors.clients_for(user=request.user, search=search) if member is None else [],
        "client": member,
        "client_asked": "client" in request.GET,
        "choices": selectors.policy_choices_for(user=request.user, member=member, today=today) if member else [],
        "form": form,
        "today": today,
    }, status=400 if request.method == "POST" else 200)


@require_GET
@certificates_page
def download(request, pk: int):
    """The PDF as issued, its SHA-256 checked first (a file that changed is never served)."""
    certificate = selectors.certificate_for(user=request.user, certificate_id=pk)
    if certificate is None:
        raise Http404("Attestation introuvable.")
    try:
        services.certificate_content(certificate)
    except services.CertificateAlteredError:
        return render(request, "error.html", {
            "status": 409, "title": "Attestation altérée",
            "reason": "Le fichier conservé de cette attestation ne correspond plus à celui délivré : il n'est pas "
                      "servi. L'Auxiliaire en est averti ; délivrez une nouvelle attestation.",
        }, status=409)
    return document_response(certificate.document, name=f"attestation-{certificate.policy_number}.pdf")


def _public(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"  # the code never leaves in a Referer
    return response


def _over_limit(request) -> bool:
    key = f"certificates:verify:{request.META.get('REMOTE_ADDR', '')}"
    cache.add(key, 0, VERIFY_WINDOW_SECONDS)
    try:
        return cache.incr(key) > VERIFY_LIMIT
    except ValueError:  # expired between add and incr
        return False


@never_cache
@require_GET
def verify_form(request):
    """« Vérifier une attestation »: type the code printed under the QR code."""
    code = search_term(request.GET, "code")
    if code:
        return _verified(request, code)
    return _public(render(request, "certificates/verify.html", {"asked": False}))


@never_cache
@require_GET
def verify(request, code: str):
    """Confirms a certificate with its holder's name and period only; a malformed, forged or
    unknown code gets the same « Certificat inconnu » after the same single lookup."""
    return _verified(request, code)


def _verified(request, code: str) -> HttpResponse:
    if _over_limit(request):
        return _public(render(request, "certificates/verify.html", {"asked": True, "limited": True}, status=429))
    certificate = selectors.certificate_by_code(code)
    return _public(render(request, "certificates/verify.html", {"asked": True, "certificate": certificate,
                                                                "unknown": UNKNOWN},
                          status=200 if certificate else 404))
