"""Sending pages (seed 001 §5.6–5.7): sender, mandate, « Finaliser l'envoi », e-signature,
cancellation and date change; the ORIAS certificate and the eIDAS identity check."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from portal import clock
from portal.errors import ApplicationError
from portal.views import action_call, form_call, next_url
from resiliation import rules, selectors, services
from resiliation.forms import FinaliseForm, IdentityForm, OriasForm, SignatureForm, UploadForm
from resiliation.models import IdentityVerification, LetterStatus, OriasCertificate
from resiliation.views.common import errors_text, letter_for, resiliation_page, unless_editable


@require_POST
@resiliation_page
def sender_mode(request, pk: int):
    """« Changer l'émetteur du courrier »."""
    letter = letter_for(request, pk)
    action_call(request, services.letter_sender_mode_set, letter=letter, mode=request.POST.get("sender_mode", ""),
                success=lambda changed: f"Émetteur du courrier : {changed.get_sender_mode_display().lower()}.")
    return redirect("resiliation:letter", pk=letter.pk)


@resiliation_page
def mandate(request, pk: int):
    """« Quel mandat de résiliation souhaitez-vous utiliser ? » then « Comment signe votre client ? »."""
    letter = letter_for(request, pk)
    if locked := unless_editable(request, letter, action="Mandat de résiliation"):
        return locked
    form = UploadForm(request.POST if request.method == "POST" else None, request.FILES or None)
    if request.method == "POST":
        choice = request.POST.get("choice", "")
        # a refusal is shown once, next to the file (or above the choices)
        saved = form_call(form, services.letter_mandate_reset, letter=letter) if choice == "reset" else form_call(
            form, services.letter_mandate_choose, letter=letter, choice=choice, today=clock.business_today(),
            confirmed=bool(request.POST.get("confirmed")), upload=request.FILES.get("file"))
        if saved is not None:
            messages.success(request, "Le mandat est enregistré.")
            return redirect("resiliation:letter", pk=letter.pk)
    return render(request, "resiliation/mandate.html", {"letter": letter, "form": form,
                                                        "source": request.GET.get("mandat", "")})


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class FinaliseChoice:
    """What the « Finaliser l'envoi » form (or its htmx refresh) asks for."""

    with_acknowledgement: bool
    start: date | None
    send: date | None
    confirm: bool
    dates_confirmed: bool


def _finalise_choice(request, *, letter, mode, today: date) -> FinaliseChoice:
    data = request.POST if request.method == "POST" else request.GET
    default_ar = "1" if letter.sender_mode == "platform" else "0"
    hamon = mode == rules.DateMode.NEW_CONTRACT_START
    return FinaliseChoice(
        with_acknowledgement=data.get("with_acknowledgement", default_ar) == "1",
        start=None if data.get("earliest") else _parse_date(data.get("new_contract_start", "")),
        send=_parse_date(data.get("send_date", "")) or (None if hamon else today),
        confirm=request.method == "POST" and bool(request.POST.get("confirm")),
        dates_confirmed=bool(request.POST.get("dates_confirmed")),
    )


@resiliation_page
def finalise(request, pk: int):
    """« Finaliser l'envoi de la lettre »: type d'envoi, dates, prices, warnings, confirmation."""
    letter = letter_for(request, pk)
    if not letter.is_editable:
        return redirect("resiliation:letter", pk=letter.pk)
    now = clock.local_now()
    mode = selectors.letter_date_mode(letter)
    choice = _finalise_choice(request, letter=letter, mode=mode, today=now.date())
    data = request.POST if request.method == "POST" else request.GET
    form = FinaliseForm(data or None, initial={"with_acknowledgement": "1" if choice.with_acknowledgement else "0",
                                               "send_date": now.date().isoformat()})
    if choice.confirm:
        form.is_valid()
        confirmed = form_call(form, services.letter_confirm, letter=letter, by=request.user,
                              with_acknowledgement=choice.with_acknowledgement, start=choice.start, send=choice.send,
                              dates_confirmed=choice.dates_confirmed, now=now)
        if confirmed is not None:
            return _confirmed(request, confirmed, today=now.date())
    plan, plan_error = None, None
    try:
        plan = selectors.sending_plan(letter=letter, with_acknowledgement=choice.with_acknowledgement,
                                      start=choice.start, send=choice.send, now=now)
    except ApplicationError as error:  # the plan's problem is shown beside the dates, not as a page error
        plan_error = error.message
    context = {"letter": letter, "form": form, "plan": plan, "plan_error": plan_error,
               "prices": selectors.sending_prices(letter=letter, on=now.date()),
               "with_ar": choice.with_acknowledgement, "hamon": mode == rules.DateMode.NEW_CONTRACT_START,
               "start": choice.start, "send": choice.send, "esign": selectors.uses_esignature(letter), "now": now,
               "preview_version": str(int(letter.updated_at.timestamp() * 1000))}
    if request.htmx and request.method == "GET":
        return render(request, "resiliation/finalise.html#plan", context)
    return render(request, "resiliation/finalise.html", context)


def _confirmed(request, letter, *, today: date):
    if letter.status == LetterStatus.AWAITING_SIGNATURE:
        return redirect("resiliation:esign", pk=letter.pk)
    messages.success(request, f"L'envoi de votre lettre est prévu le {letter.send_date:%d/%m/%Y}."
                     if letter.send_date > today else "Votre lettre est en cours d'envoi.")
    return redirect("resiliation:letter", pk=letter.pk)


@resiliation_page
def esign(request, pk: int):
    """« Signature électronique du mandat de résiliation par votre souscripteur »."""
    letter = letter_for(request, pk)
    form = SignatureForm(request.POST or None, initial={"email": letter.email, "mobile_phone": letter.mobile_phone,
                                                        "mode": "remote"})
    if request.method == "POST" and form.is_valid() and (signature := form_call(
            form, services.signature_request_start, letter=letter, now=clock.local_now(), **form.cleaned_data)):
        if signature.mode == "in_person":
            return render(request, "resiliation/esign_ready.html", {"letter": letter, "signature": signature,
                                                                    "url": signature.signing_url})
        messages.success(request, f"Le lien de signature a été envoyé à {signature.email}. La signature doit "
                                  f"être réalisée avant le {letter.send_date:%d/%m/%Y} à 20h00.")
        return redirect("resiliation:letter", pk=letter.pk)
    return render(request, "resiliation/esign.html", {"letter": letter, "form": form,
                                                      "awaiting": letter.status == LetterStatus.AWAITING_SIGNATURE})


CANCEL_QUESTION = {
    "title": "Annuler l'envoi", "label": "Annuler l'envoi",
    "question": "Êtes-vous sûr de vouloir annuler l'envoi de cette lettre ?",
    "note": "La lettre ne partira pas et le montant débité sera remboursé sur votre crédit.",
}


@require_http_methods(["GET", "POST"])
@resiliation_page
def cancel(request, pk: int):
    """« Annuler l'envoi » (refunded), after a confirmation: this page without JavaScript, a
    dialog of the letter page and of the list otherwise."""
    letter = letter_for(request, pk)
    target = next_url(request, default=reverse("resiliation:letter", args=[letter.pk]))
    if request.method == "GET":
        return render(request, "resiliation/confirm.html", {
            "letter": letter, **CANCEL_QUESTION, "action": reverse("resiliation:cancel", args=[letter.pk]),
            "next": target, "back": target})
    action_call(request, services.letter_cancel, letter=letter, by=request.user, now=clock.local_now(),
                success="L'envoi est annulé et vous avez été remboursé.")
    return redirect(target)


@require_POST
@resiliation_page
def reschedule(request, pk: int):
    """« Modifier la date d'envoi » until the eve, or the new date of a held sending."""
    letter = letter_for(request, pk)
    start = None if request.POST.get("earliest") else _parse_date(request.POST.get("new_contract_start", ""))
    action_call(request, services.letter_send_date_change, letter=letter, start=start,
                send=_parse_date(request.POST.get("send_date", "")), now=clock.local_now(), success=_rescheduled)
    return redirect("resiliation:letter", pk=letter.pk)


def _rescheduled(letter) -> str:
    start = f" (prise d'effet des nouveaux contrats le {letter.new_contract_start:%d/%m/%Y})" \
        if letter.new_contract_start else ""
    return f"L'envoi est reprogrammé le {letter.send_date:%d/%m/%Y}{start}."


@resiliation_page
def orias(request):
    """« Document d'identification »: the ORIAS certificate needed to send in the agency's name."""
    target = next_url(request, default=reverse("resiliation:orias"))  # checked before anything is saved
    form = OriasForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid() and form_call(
            form, services.orias_certificate_add, organisation=request.user.organisation, by=request.user,
            upload=form.cleaned_data["file"], valid_until=form.cleaned_data["valid_until"],
            today=clock.business_today()):
        messages.success(request, "Votre attestation ORIAS est enregistrée.")
        return redirect(target)
    certificates = OriasCertificate.objects.filter(organisation_id=request.user.organisation_id)
    return render(request, "resiliation/orias.html", {"form": form, "certificates": certificates,
                                                      "today": clock.business_today()})


@resiliation_page
def identity_page(request):
    """« Vérification d'identité pour eIDAS » (14,40 € debited on « Continuer la vérification »)."""
    check = selectors.identity_status(user=request.user)
    form = IdentityForm(request.POST or None, initial={"mobile_phone": request.user.phone,
                                                       "email": request.user.email})
    if request.method == "POST" and form.is_valid() and form_call(
            form, services.identity_check_start, user=request.user, now=clock.local_now(), **form.cleaned_data):
        messages.success(request, "14,40 € ont été débités. Poursuivez avec l'opérateur de vérification.")
        return redirect("resiliation:identity_verify")
    return render(request, "resiliation/identity.html", {"form": form, "check": check})


@resiliation_page
def identity_verify(request):
    """The sandbox identification operator: shows the SMS code and asks for it."""
    check = IdentityVerification.objects.filter(user=request.user, status="pending").first()
    if check is None:
        return redirect("resiliation:identity")
    refusal = forms.Form()  # holds the service's error, if any
    if request.method == "POST" and form_call(refusal, services.identity_check_confirm, check=check,
                                              code=request.POST.get("code", ""), now=clock.local_now()):
        messages.success(request, "Votre identité est vérifiée : vos courriers partiront en LRE qualifiée "
                                  "vers les destinataires identifiés.")
        return redirect("resiliation:letters")
    return render(request, "resiliation/identity_verify.html", {"check": check,
                                                                "error": errors_text(refusal) or None})
