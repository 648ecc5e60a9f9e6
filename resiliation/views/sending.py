"""Sending pages (seed 001 §5.6–5.7): sender, mandate, « Finaliser l'envoi », e-signature,
cancellation and date change; the ORIAS certificate and the eIDAS identity check."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from portal import clock
from portal.errors import ApplicationError
from portal.views import form_error, next_url
from resiliation import charges, identity, rules, sending, services, signatures
from resiliation.forms import FinaliseForm, IdentityForm, OriasForm, SignatureForm, UploadForm
from resiliation.models import IdentityVerification, LetterStatus, OriasCertificate
from resiliation.views.common import letter_for, resiliation_page, unless_editable


@require_POST
@resiliation_page
def sender_mode(request, pk: int):
    """« Changer l'émetteur du courrier »."""
    letter = letter_for(request, pk)
    try:
        sending.letter_sender_mode_set(letter=letter, mode=request.POST.get("sender_mode", ""))
        messages.success(request, f"Émetteur du courrier : {letter.get_sender_mode_display().lower()}.")
    except ApplicationError as error:
        messages.error(request, error.message)
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
        try:
            if choice == "reset":
                sending.letter_mandate_reset(letter=letter)
            else:
                sending.letter_mandate_choose(letter=letter, choice=choice, today=clock.business_today(),
                                              confirmed=bool(request.POST.get("confirmed")),
                                              upload=request.FILES.get("file"))
        except ApplicationError as error:
            form_error(form, error)  # shown once, next to the file (or above the choices)
        else:
            messages.success(request, "Le mandat est enregistré.")
            return redirect("resiliation:letter", pk=letter.pk)
    return render(request, "resiliation/mandate.html", {"letter": letter, "form": form,
                                                        "source": request.GET.get("mandat", "")})


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@resiliation_page
def finalise(request, pk: int):
    """« Finaliser l'envoi de la lettre »: type d'envoi, dates, prices, warnings, confirmation."""
    letter = letter_for(request, pk)
    if not letter.is_editable:
        return redirect("resiliation:letter", pk=letter.pk)
    now = clock.local_now()
    mode = sending.letter_date_mode(letter)
    data = request.POST if request.method == "POST" else request.GET
    initial = {"with_acknowledgement": "1" if letter.sender_mode == "platform" else "0",
               "send_date": now.date().isoformat()}
    form = FinaliseForm(data or None, initial=initial)
    with_ar = (data.get("with_acknowledgement", initial["with_acknowledgement"]) == "1")
    start = _parse_date(data.get("new_contract_start", "")) if not data.get("earliest") else None
    send = _parse_date(data.get("send_date", "")) or (now.date() if mode != rules.DateMode.NEW_CONTRACT_START else None)
    plan, plan_error = None, None
    try:
        plan = sending.sending_plan(letter=letter, with_acknowledgement=with_ar, start=start, send=send, now=now)
    except ApplicationError as error:
        plan_error = error.message
    prices = {}
    try:
        for key, products in {"without_acknowledgement": rules.billing_products(sender_mode=letter.sender_mode, with_acknowledgement=False,
                                                            esignature=sending.uses_esignature(letter)),
                              "with_acknowledgement": rules.billing_products(sender_mode=letter.sender_mode,
                                                               with_acknowledgement=True,
                                                               esignature=sending.uses_esignature(letter))}.items():
            prices[key] = charges.quote_total(products=products, on=now.date())
    except (ImportError, ApplicationError):  # no billing, or no price in force: prices not shown
        prices = {}
    if request.method == "POST" and request.POST.get("confirm"):
        try:
            sending.letter_confirm(letter=letter, by=request.user, with_acknowledgement=with_ar, start=start,
                                   send=send, dates_confirmed=bool(request.POST.get("dates_confirmed")), now=now)
        except ApplicationError as error:
            form.is_valid()
            form_error(form, error)
        else:
            letter.refresh_from_db()
            if letter.status == LetterStatus.AWAITING_SIGNATURE:
                return redirect("resiliation:esign", pk=letter.pk)
            messages.success(request, f"L'envoi de votre lettre est prévu le {letter.send_date:%d/%m/%Y}."
                             if letter.send_date > now.date() else "Votre lettre est en cours d'envoi.")
            return redirect("resiliation:letter", pk=letter.pk)
    context = {"letter": letter, "form": form, "plan": plan, "plan_error": plan_error, "prices": prices,
               "with_ar": with_ar, "hamon": mode == rules.DateMode.NEW_CONTRACT_START, "start": start,
               "send": send, "esign": sending.uses_esignature(letter), "now": now,
               "preview_version": str(int(letter.updated_at.timestamp() * 1000))}
    if request.htmx and request.method == "GET":
        return render(request, "resiliation/finalise.html#plan", context)
    return render(request, "resiliation/finalise.html", context)


@resiliation_page
def esign(request, pk: int):
    """« Signature électronique du mandat de résiliation par votre souscripteur »."""
    letter = letter_for(request, pk)
    form = SignatureForm(request.POST or None, initial={"email": letter.email, "mobile_phone": letter.mobile_phone,
                                                        "mode": "remote"})
    if request.method == "POST" and form.is_valid():
        try:
            signature = signatures.signature_request_start(letter=letter, now=clock.local_now(), **form.cleaned_data)
        except ApplicationError as error:
            form_error(form, error)
        else:
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
    try:
        sending.letter_cancel(letter=letter, by=request.user, now=clock.local_now())
        messages.success(request, "L'envoi est annulé et vous avez été remboursé.")
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect(target)


@require_POST
@resiliation_page
def reschedule(request, pk: int):
    """« Modifier la date d'envoi » until the eve, or the new date of a held sending."""
    letter = letter_for(request, pk)
    start = None if request.POST.get("earliest") else _parse_date(request.POST.get("new_contract_start", ""))
    try:
        letter = sending.letter_send_date_change(letter=letter, start=start,
                                                 send=_parse_date(request.POST.get("send_date", "")),
                                                 now=clock.local_now())
        messages.success(request, f"L'envoi est reprogrammé le {letter.send_date:%d/%m/%Y}"
                         + (f" (prise d'effet des nouveaux contrats le {letter.new_contract_start:%d/%m/%Y})."
                            if letter.new_contract_start else "."))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("resiliation:letter", pk=letter.pk)


@resiliation_page
def orias(request):
    """« Document d'identification »: the ORIAS certificate needed to send in the agency's name."""
    target = next_url(request, default=reverse("resiliation:orias"))  # checked before anything is saved
    form = OriasForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.orias_certificate_add(organisation=request.user.organisation, by=request.user,
                                           upload=form.cleaned_data["file"],
                                           valid_until=form.cleaned_data["valid_until"],
                                           today=clock.business_today())
        except ApplicationError as error:
            form_error(form, error)
        else:
            messages.success(request, "Votre attestation ORIAS est enregistrée.")
            return redirect(target)
    certificates = OriasCertificate.objects.filter(organisation_id=request.user.organisation_id)
    return render(request, "resiliation/orias.html", {"form": form, "certificates": certificates,
                                                      "today": clock.business_today()})


@resiliation_page
def identity_page(request):
    """« Vérification d'identité pour eIDAS » (14,40 € debited on « Continuer la vérification »)."""
    check = identity.identity_status(user=request.user)
    form = IdentityForm(request.POST or None, initial={"mobile_phone": request.user.phone,
                                                       "email": request.user.email})
    if request.method == "POST" and form.is_valid():
        try:
            check = identity.identity_check_start(user=request.user, now=clock.local_now(), **form.cleaned_data)
        except ApplicationError as error:
            form_error(form, error)
        else:
            messages.success(request, "14,40 € ont été débités. Poursuivez avec l'opérateur de vérification.")
            return redirect("resiliation:identity_verify")
    return render(request, "resiliation/identity.html", {"form": form, "check": check})


@resiliation_page
def identity_verify(request):
    """The sandbox identification operator: shows the SMS code and asks for it."""
    check = IdentityVerification.objects.filter(user=request.user, status="pending").first()
    if check is None:
        return redirect("resiliation:identity")
    error = None
    if request.method == "POST":
        try:
            identity.identity_check_confirm(check=check, code=request.POST.get("code", ""), now=clock.local_now())
        except ApplicationError as exc:
            error = exc.message
        else:
            messages.success(request, "Votre identité est vérifiée : vos courriers partiront en LRE qualifiée "
                                      "vers les destinataires identifiés.")
            return redirect("resiliation:letters")
    return render(request, "resiliation/identity_verify.html", {"check": check, "error": error})
