"""The sandbox providers' pages: the e-signature page (signed link, no login) and the LRE
console of a letter. Routed only where sandboxes may run (``resiliation.urls``) and 404
otherwise, whatever routes them."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.clickjacking import xframe_options_sameorigin

from portal import clock
from portal.files import document_response
from portal.pdf import pdf_render
from portal.providers import SANDBOX, sandboxes_allowed
from resiliation.sandbox import provider as sandbox
from resiliation.sandbox.models import SandboxRegisteredMail, SandboxSignature
from resiliation.views.common import letter_for, resiliation_page


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
