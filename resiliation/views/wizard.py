"""« Nouvelle résiliation »: 1 Le souscripteur · 2 L'assureur · 3 Le contrat · 4 Envoyer.

Steps 1–2 are kept in the session; step 3 creates the draft letter and opens its page. The
same type and contract steps add a contract to an existing letter (same insurer, compatible
types and reasons only)."""

from __future__ import annotations

from dataclasses import asdict

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from portal.forms import request_id, search_term
from portal.views import form_call
from resiliation import rules, services
from resiliation.forms import ContractForm, InsurerRequestForm, SubscriberForm
from resiliation.models import Insurer
from resiliation.selectors import insurers_matching, letter_date_mode, letters_visible_to
from resiliation.views.common import letter_for, resiliation_page, unless_editable

SESSION_KEY = "resiliation_wizard"
SUBSCRIBER_FIELDS = list(SubscriberForm.base_fields)


def _state(request) -> dict:
    return request.session.get(SESSION_KEY, {})


def _save(request, **values) -> None:
    state = {**_state(request), **values}
    request.session[SESSION_KEY] = state


@resiliation_page
def new_subscriber(request):
    """Step 1. ``?depuis=<n°>`` pre-fills the souscripteur of one of the user's letters."""
    initial = _state(request).get("subscriber") or {}
    source = request_id(request.GET, "depuis")
    if request.method == "GET" and source:
        letter = get_object_or_404(letters_visible_to(user=request.user), pk=source)
        initial = {name: getattr(letter, name) for name in SUBSCRIBER_FIELDS}
        request.session[SESSION_KEY] = {}
    elif request.method == "GET" and request.GET.get("recommencer"):
        request.session[SESSION_KEY] = {}
        initial = {}
    form = SubscriberForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid() and (
            subscriber := form_call(form, services.check_subscriber, data=form.data_object())):
        _save(request, subscriber=asdict(subscriber))
        return redirect("resiliation:new_insurer")
    return render(request, "resiliation/wizard_subscriber.html", {"form": form, "step": 1,
                                                                    "co_open": bool(initial.get("co_last_name"))})


@resiliation_page
def new_insurer(request):
    """Step 2: « Assuré chez qui ? »."""
    state = _state(request)
    if "subscriber" not in state:
        return redirect("resiliation:new")
    if request.method == "POST":
        insurer = Insurer.objects.filter(pk=request_id(request.POST, "insurer"), is_active=True).first()
        if insurer is None:
            messages.error(request, "Choisissez l'ancien assureur dans la liste.")
        else:
            _save(request, insurer_id=insurer.pk)
            return redirect("resiliation:new_type")
    return render(request, "resiliation/wizard_insurer.html", {"step": 2, "state": state})


@resiliation_page
def insurer_search(request):
    """The search box's results (htmx), from two characters."""
    term = search_term(request.GET)
    return render(request, "resiliation/wizard_insurer.html#results",
                  {"insurers": insurers_matching(term=term), "term": term, "too_short": len(term.strip()) < 2})


@resiliation_page
def insurer_request(request):
    """« Demander l'ajout d'une compagnie »."""
    form = InsurerRequestForm(request.POST or None, initial={"name": search_term(request.GET)})
    if request.method == "POST" and form.is_valid() and form_call(
            form, services.insurer_request_create, by=request.user, **form.cleaned_data):
        messages.success(request, "Votre demande d'ajout a été transmise : nous vous répondrons dès que la "
                                  "compagnie sera ajoutée.")
        return redirect("resiliation:new_insurer" if "subscriber" in _state(request) else "resiliation:letters")
    return render(request, "resiliation/insurer_request.html", {"form": form})


def _insurer(request, letter):
    if letter is not None:
        return letter.insurer
    state = _state(request)
    if "subscriber" not in state:
        return None
    return Insurer.objects.filter(pk=state.get("insurer_id")).first()


@resiliation_page
def new_type(request, pk: int | None = None):
    """Step 3a: « Quel type de contrat souhaitez-vous résilier ? » (only compatible types when
    adding to a letter)."""
    letter = letter_for(request, pk) if pk else None
    if letter and (locked := unless_editable(request, letter, action="Ajouter un contrat")):
        return locked
    insurer = _insurer(request, letter)
    if insurer is None:
        return redirect("resiliation:new")
    mode = letter_date_mode(letter) if letter else None
    types = rules.types_for_mode(mode)
    return render(request, "resiliation/wizard_type.html", {"step": 3, "types": types, "letter": letter,
                                                             "insurer": insurer})


@resiliation_page
def new_contract(request, type_code: str, pk: int | None = None):
    """Step 3b: the contract; creates the letter (or adds the contract to it)."""
    if type_code not in rules.CONTRACT_TYPES_BY_CODE:
        raise Http404
    letter = letter_for(request, pk) if pk else None
    if letter and (locked := unless_editable(request, letter, action="Ajouter un contrat")):
        return locked
    insurer = _insurer(request, letter)
    if insurer is None:
        return redirect("resiliation:new")
    mode = letter_date_mode(letter) if letter else None
    if not rules.reasons_for_type(type_code, mode=mode):
        raise Http404
    form = ContractForm(request.POST or None, type_code=type_code, mode=mode)
    if request.method == "POST" and form.is_valid():
        if letter is None:
            created = form_call(form, services.letter_create, by=request.user, insurer=insurer,
                                subscriber=services.SubscriberData(**_state(request)["subscriber"]),
                                contract=form.data_object())
            if created is not None:
                request.session[SESSION_KEY] = {}
                return redirect("resiliation:letter", pk=created.pk)
        elif form_call(form, services.letter_contract_add, letter=letter, contract=form.data_object()):
            return redirect("resiliation:letter", pk=letter.pk)
    subscriber = _state(request).get("subscriber", {})
    return render(request, "resiliation/wizard_contract.html", {
        "step": 3, "form": form, "letter": letter, "insurer": insurer, "kind": rules.contract_type(type_code),
        "needs_by_reason": {r.code: asdict(rules.field_needs(type_code, r.code))
                            for r in rules.reasons_for_type(type_code, mode=mode)},
        "subscriber_address": ", ".join(filter(None, [
            (letter.address_line1 if letter else subscriber.get("address_line1", "")),
            (f"{letter.postal_code} {letter.city}" if letter else
             f"{subscriber.get('postal_code', '')} {subscriber.get('city', '')}".strip())])),
        "back_url": reverse("resiliation:contract_add_type", args=[letter.pk]) if letter
        else reverse("resiliation:new_type"),
    })


@resiliation_page
def contract_edit(request, pk: int, contract_id: int):
    """« Modifier » a contract of the letter (its type stays; reasons compatible with the others)."""
    letter = letter_for(request, pk)
    contract = get_object_or_404(letter.contracts, pk=contract_id)
    if locked := unless_editable(request, letter, action="Modifier le contrat"):
        return locked
    others = list(letter.contracts.exclude(pk=contract.pk).values_list("reason", flat=True))
    mode = rules.letter_mode(others) if others else None
    initial = {name: getattr(contract, name) for name in ContractForm.base_fields}
    form = ContractForm(request.POST or None, type_code=contract.contract_type, mode=mode, initial=initial)
    if request.method == "POST" and form.is_valid() and form_call(
            form, services.letter_contract_update, contract=contract, data=form.data_object()):
        messages.success(request, "Le contrat est modifié.")
        return redirect("resiliation:letter", pk=letter.pk)
    return render(request, "resiliation/wizard_contract.html", {
        "step": 3, "form": form, "letter": letter, "insurer": letter.insurer,
        "kind": rules.contract_type(contract.contract_type),
        "needs_by_reason": {r.code: asdict(rules.field_needs(contract.contract_type, r.code))
                            for r in rules.reasons_for_type(contract.contract_type, mode=mode)},
        "subscriber_address": f"{letter.address_line1}, {letter.postal_code} {letter.city}",
        "back_url": reverse("resiliation:letter", args=[letter.pk]),
    })
