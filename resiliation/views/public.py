"""Pages without login: the sandbox signature page (signed link), the souscripteur's document
links (signed, expiring), the providers' webhook endpoint; and the sandbox LRE console.

The sandbox pages are routed only where sandboxes may run (``resiliation.urls``) and answer
404 otherwise, whatever routes them."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from portal import clock
from portal.files import document_response
from portal.models import StoredDocument
from portal.pdf import pdf_render
from portal.providers import SANDBOX, sandboxes_allowed
from resiliation import notify, webhooks
from resiliation.models import SandboxRegisteredMail, SandboxSignature, TerminationLetter
from resiliation.providers import sandbox
from resiliation.views.common import letter_for, resiliation_page

logger = logging.getLogger(__name__)


def _session(token: str) -> SandboxSignature:
    if not sandboxes_allowed():
        raise Http404
    reference = sandbox.sign_token_reference(token)
    if reference is None:
        raise Http404
    return get_object_or_404(SandboxSignature.objects.select_related("document"), reference=reference)


def sign(request, token: str):
    """The sandbox e-signature page: documents, SMS code (shown: it is a sandbox), « Signer »."""
    session = _session(token)
    now = clock.local_now()
    error = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "code":
                if not (request.POST.get("accept_read") and request.POST.get("accept_terms")):
                    raise sandbox.SandboxSigningError("Cochez les cases pour accepter le document et les conditions.")
                sandbox.sandbox_code_send(reference=session.reference, now=now)
            elif action == "sign":
                signed_pdf = _signed_pdf(session, now)
                sandbox.sandbox_sign(reference=session.reference, code=request.POST.get("code", ""),
                                     signed_pdf=signed_pdf, now=now)
            elif action == "refuse":
                sandbox.sandbox_refuse(reference=session.reference, now=now)
            return redirect("resiliation:sign", token=token)
        except sandbox.SandboxSigningError as exc:
            error = str(exc)
        session.refresh_from_db()
    return render(request, "resiliation/sandbox_sign.html", {"session": session, "token": token, "error": error,
                                                             "expired": now >= session.expires_at})


def _signed_pdf(session: SandboxSignature, now) -> bytes:
    """The signed version: a certificate page (rendered outside any transaction)."""
    return pdf_render(template_name="resiliation/pdf/signature_certificate.html",
                      context={"session": session, "signed_at": now, "letter_date": now.date(),
                               "recipient_lines": [session.signer_name]})


@xframe_options_sameorigin
def sign_document(request, token: str):
    session = _session(token)
    return document_response(session.document, name="Mandat_Resiliation.pdf", inline=True)


def public_document(request, token: str):
    """A document e-mailed to the souscripteur or the old manager (signed link, 90 days)."""
    ids = notify.public_document_ids(token)
    if ids is None:
        raise Http404
    letter = get_object_or_404(TerminationLetter, pk=ids[0])
    if ids[1] not in {letter.sent_document_id, letter.deposit_notice_id, letter.acknowledgement_id}:
        raise Http404
    document = get_object_or_404(StoredDocument, pk=ids[1])
    return document_response(document)


@csrf_exempt
@require_POST
def webhook(request, provider: str):
    """Provider events: HMAC-verified, replays refused, each event applied once."""
    if provider not in webhooks.KINDS:
        raise Http404
    try:
        result = webhooks.webhook_receive(provider=provider, body=request.body,
                                          header=request.headers.get(webhooks.HEADER, ""),
                                          now=clock.local_now())
    except webhooks.WebhookRejected as exc:
        logger.warning("webhook %s refused: %s", provider, exc)
        return HttpResponseBadRequest(f"refusé : {exc}")
    except webhooks.WebhookRetry as exc:
        return HttpResponse(f"à réessayer : {exc}", status=409)
    return HttpResponse(result)


@resiliation_page
def sandbox_mail(request, pk: int):
    """Sandbox LRE console for a letter: play the recipient (accept / open) or the 15-day rule."""
    if not sandboxes_allowed():
        raise Http404
    letter = letter_for(request, pk)
    mail = SandboxRegisteredMail.objects.filter(reference=letter.provider_reference).first() \
        if letter.provider_reference and letter.registered_mail_provider == SANDBOX else None
    if request.method == "POST" and mail is not None:
        now = clock.local_now()
        try:
            if request.POST.get("action") == "receive":
                sandbox.sandbox_mail_receive(reference=mail.reference, now=now)
                messages.success(request, "Le destinataire a reçu le courrier (bac à sable).")
            elif request.POST.get("action") == "not_collected":
                SandboxRegisteredMail.objects.filter(pk=mail.pk, status="deposited").update(
                    deposited_at=now - sandbox.NOT_COLLECTED_AFTER)
                sandbox.sandbox_mail_tick(now=now)
                messages.success(request, "Courrier non relevé en 15 jours : retransmis (bac à sable).")
        except sandbox.SandboxSigningError as exc:
            messages.error(request, str(exc))
        return redirect("resiliation:sandbox_mail", pk=letter.pk)
    return render(request, "resiliation/sandbox_mail.html", {"letter": letter, "mail": mail})
