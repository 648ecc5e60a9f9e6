"""The letter page (seed 001 §5.5): live PDF preview, souscripteur, contracts, added text,
old contract manager, attachments, « Géré par », and every document of the letter."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from portal import clock
from portal.errors import ApplicationError
from portal.files import document_response
from portal.forms import request_id
from portal.models import StoredDocument, User
from portal.views import action_call, form_call
from resiliation import documents, rules, selectors, services
from resiliation.forms import FreeTextForm, OldManagerForm, SubscriberForm, UploadForm
from resiliation.models import PLANNED_STATUSES, LetterStatus, SignatureRequest
from resiliation.rules import dates
from resiliation.selectors import managers_for
from resiliation.views.common import changed, errors_text, letter_for, resiliation_page, unless_editable
from resiliation.views.sending import CANCEL_QUESTION
from resiliation.views.wizard import SUBSCRIBER_FIELDS


def _new_date_proposal(letter, contracts, now):
    """The recomputed plan a held letter is offered (the earliest dates), or None."""
    if letter.status != LetterStatus.HELD or not contracts:
        return None
    earliest = dates.earliest_send_date(now)
    try:
        return selectors.sending_plan(letter=letter, with_acknowledgement=letter.with_acknowledgement, start=None,
                                    send=earliest, now=now)
    except ApplicationError:
        return None


def letter_page_context(request, letter, **extra) -> dict:
    now = clock.local_now()
    today = clock.business_today()
    contracts = list(letter.contracts.all())
    signature = SignatureRequest.objects.filter(letter=letter).order_by("-id").first()
    return {
        "letter": letter, "contracts": contracts,
        "blockers": selectors.sending_blockers(letter, today=today) if letter.is_editable else [],
        "orias_ok": selectors.orias_certificate_valid(organisation_id=letter.organisation_id, on=today) is not None,
        "platform_refusal": rules.platform_refusal([(c.contract_type, c.reason) for c in contracts]),
        "free_text_form": FreeTextForm(initial={"free_text": letter.free_text}),
        "old_manager_form": OldManagerForm(initial={"email": letter.old_manager_email}),
        "upload_form": UploadForm(),
        "attachments": list(letter.attachments.select_related("document")),
        "managers": managers_for(user=request.user) if request.user.is_org_admin else [],
        "signature": signature,
        "identified": selectors.account_identified(organisation_id=letter.organisation_id),
        "can_cancel": letter.cancel_refusal(today=today) is None,
        "can_reschedule": letter.reschedule_refusal(today=today) is None,
        "proposal": _new_date_proposal(letter, contracts, now),
        "preview_version": str(int(letter.updated_at.timestamp() * 1000)),
        "cancel_question": CANCEL_QUESTION,
        **extra,
    }


@resiliation_page
def letter_page(request, pk: int):
    letter = letter_for(request, pk)
    if request.htmx and request.GET.get("partial") == "preview":
        return render(request, "resiliation/letter.html#preview", letter_page_context(request, letter))
    return render(request, "resiliation/letter.html", letter_page_context(request, letter))


@xframe_options_sameorigin
@resiliation_page
def letter_preview(request, pk: int):
    """« Visualisation de la lettre »: rendered on each request, outside any transaction."""
    letter = letter_for(request, pk)
    if letter.sent_document_id and request.GET.get("version") != "draft":
        return document_response(letter.sent_document, inline=True)
    today = clock.business_today()
    day = letter.send_date or today
    if letter.status in (*PLANNED_STATUSES, LetterStatus.DRAFT):
        day = max(day, today)  # a letter not yet sent is dated the day it leaves, never in the past
    pdf = documents.letter_pdf(letter, letter_date=day)
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="lettre-resiliation-{letter.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@xframe_options_sameorigin
@resiliation_page
def mandate_pdf(request, pk: int):
    """« Imprimer un mandat pré-rempli »."""
    letter = letter_for(request, pk)
    pdf = documents.mandate_pdf(letter, letter_date=clock.business_today())
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="mandat-resiliation-{letter.pk}.pdf"'
    return response


@xframe_options_sameorigin
@resiliation_page
def letter_document(request, pk: int, document_id: int):
    """A document of the letter: attachment, mandate, sent letter, deposit notice, acknowledgement."""
    letter = letter_for(request, pk)
    own = {letter.mandate_document_id, letter.sent_document_id, letter.deposit_notice_id, letter.acknowledgement_id}
    own |= set(letter.attachments.values_list("document_id", flat=True))
    own |= set(SignatureRequest.objects.filter(letter=letter).values_list("signed_document_id", flat=True))
    if document_id not in own - {None}:
        raise Http404
    return document_response(get_object_or_404(StoredDocument, pk=document_id), inline=True)


@resiliation_page
def subscriber_edit(request, pk: int):
    """« Modifier le souscripteur »."""
    letter = letter_for(request, pk)
    if locked := unless_editable(request, letter, action="Modifier le souscripteur"):
        return locked
    form = SubscriberForm(request.POST or None, initial={name: getattr(letter, name) for name in SUBSCRIBER_FIELDS})
    if request.method == "POST" and form.is_valid() and form_call(
            form, services.letter_subscriber_update, letter=letter, subscriber=form.data_object()):
        messages.success(request, "Le souscripteur est modifié.")
        return redirect("resiliation:letter", pk=letter.pk)
    return render(request, "resiliation/subscriber_edit.html", {"form": form, "letter": letter,
                                                                  "co_open": bool(letter.co_last_name)})


@require_POST
@resiliation_page
def contract_remove(request, pk: int, contract_id: int):
    letter = letter_for(request, pk)
    contract = get_object_or_404(letter.contracts, pk=contract_id)
    action_call(request, services.letter_contract_remove, contract=contract,
                success="Le contrat est retiré de la lettre.")
    return redirect("resiliation:letter", pk=letter.pk)


def _htmx_or_redirect(request, letter, service, /, *, success: str, **kwargs):
    """A change made in place (htmx: the answer in the page's live region, 400 when refused) or
    by a plain POST (the message on the letter page)."""
    if not request.htmx:
        action_call(request, service, success=success, **kwargs)
        return redirect("resiliation:letter", pk=letter.pk)
    refusal = forms.Form()  # holds the service's error, if any
    if form_call(refusal, service, **kwargs) is None:
        return render(request, "resiliation/_flash.html", {"error": errors_text(refusal)}, status=400)
    return changed(render(request, "resiliation/_flash.html", {"success": success}))


def _free_text_set(*, letter, form: FreeTextForm):
    if not form.is_valid():
        raise ApplicationError("Le texte ajouté est limité à 3 000 caractères.", field="free_text")
    return services.letter_free_text_set(letter=letter, text=form.cleaned_data["free_text"])


@require_POST
@resiliation_page
def free_text(request, pk: int):
    """« Texte ajouté à la lettre » (above the closing formula)."""
    letter = letter_for(request, pk)
    return _htmx_or_redirect(request, letter, _free_text_set, letter=letter, form=FreeTextForm(request.POST),
                             success="Le texte de la lettre est enregistré.")


@require_POST
@resiliation_page
def old_manager(request, pk: int):
    """« Informez l'ancien gérant du contrat » (empty: « Ne pas prévenir le gérant »)."""
    letter = letter_for(request, pk)
    email = "" if request.POST.get("none") else request.POST.get("email", "")
    done = f"L'ancien gérant ({email}) recevra une copie dès réception par l'assureur." if email \
        else "L'ancien gérant ne sera pas prévenu."
    return _htmx_or_redirect(request, letter, services.letter_old_manager_set, letter=letter, email=email,
                             success=done)


@require_POST
@resiliation_page
def attachment_add(request, pk: int):
    """« Pièces à joindre au destinataire » (PDF or image, ≤ 10 Mo, checked on content)."""
    letter = letter_for(request, pk)
    action_call(request, services.letter_attachment_add, letter=letter, upload=request.FILES.get("file"),
                success="La pièce est jointe à l'envoi.")
    return redirect("resiliation:letter", pk=letter.pk)


@require_POST
@resiliation_page
def attachment_remove(request, pk: int, attachment_id: int):
    letter = letter_for(request, pk)
    attachment = get_object_or_404(letter.attachments, pk=attachment_id)
    action_call(request, services.letter_attachment_remove, attachment=attachment,
                success="La pièce jointe est retirée.")
    return redirect("resiliation:letter", pk=letter.pk)


@require_POST
@resiliation_page
def manager_set(request, pk: int):
    """« Géré par » (administrators)."""
    letter = letter_for(request, pk)
    manager = User.objects.filter(pk=request_id(request.POST, "managed_by"),
                                  memberships__organisation_id=letter.organisation_id).first()
    if manager is None:
        messages.error(request, "Choisissez un utilisateur du cabinet.")
    else:
        action_call(request, services.letter_manager_set, letter=letter, manager=manager, by=request.user,
                    success=f"La lettre est gérée par {manager}.")
    return redirect("resiliation:letter", pk=letter.pk)
