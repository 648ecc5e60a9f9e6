"""Pages of "Gérer le cycle amiable" (seed 000). Thin: parse, call a selector or a service,
render; htmx requests get a named partial of the same template."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import reswap, retarget

from amiable import exports, rules, selectors, services
from amiable.forms import AnswerForm, FiltersForm
from portal import clock
from portal.errors import ApplicationError
from portal.files import document_response
from portal.models import Area
from portal.views import area_required, form_call, valid_filters

PAGE_SIZE = 25
COLUMNS = [
    ("member", "N° sociétaire"),
    ("company", "Raison sociale"),
    ("policy", "N° Police"),
    ("event", "Évènement"),
    ("letter_date", "Date du courrier"),
    ("notice_date", "Date de mise en demeure"),
    ("status", "Statut"),
]


def _filters(request, *, notify: bool = True) -> dict:
    data = valid_filters(request, FiltersForm(request.GET), notify=notify)
    return {
        "member_id": data.get("client"),
        "client_search": (data.get("recherche") or "").strip(),
        "pending_only": bool(data.get("pending")),
        "policy_number": (data.get("police") or "").strip() or None,
        "sort": data.get("sort") or selectors.DEFAULT_SORT,
        "page": data.get("page") or 1,
    }


def _rows(request, filters: dict):
    return selectors.case_rows_for(
        user=request.user,
        today=clock.business_today(),
        calendar=clock.business_calendar(),
        member_id=filters["member_id"],
        policy_number=filters["policy_number"],
        pending_only=filters["pending_only"],
        sort=filters["sort"],
    )


def _rules() -> dict:
    """The rules' numbers the pages state ("5 jours ouvrés"…)."""
    return {"response_window": rules.RESPONSE_WINDOW, "extension_length": rules.EXTENSION_LENGTH}


@require_GET
@area_required(Area.AMIABLE)
def cases(request):
    filters = _filters(request)
    paginator = Paginator(_rows(request, filters), PAGE_SIZE)
    page = paginator.get_page(filters["page"])
    members, more_members = selectors.case_clients_for(user=request.user, search=filters["client_search"],
                                                       selected=filters["member_id"])
    context = {
        "page": page,
        "filters": filters,
        "members": members,
        "more_members": more_members,
        "query": request.GET.copy(),
        "today": clock.business_today(),
        "can_act": request.user.is_intermediary,
        "columns": COLUMNS,
        "rules": _rules(),
    }
    # htmx asks for the table alone, except to rebuild a page from the history (back button).
    partial = request.htmx and not request.htmx.boosted and not request.htmx.history_restore_request
    template = "amiable/cases.html#table" if partial else "amiable/cases.html"
    return render(request, template, context)


@require_GET
@area_required(Area.AMIABLE)
def cases_export(request):
    filters = _filters(request, notify=False)
    return exports.cases_csv_response(_rows(request, filters).all(), filename="cycle-amiable.csv")


def _row_response(request, case_id: int, *, status: int = 200, message: str = ""):
    row = selectors.case_row(user=request.user, case_id=case_id, today=clock.business_today(),
                             calendar=clock.business_calendar())
    return render(request, "amiable/cases.html#row", {"row": row, "can_act": True, "flash": message},
                  status=status)


@require_http_methods(["GET", "POST"])
@area_required(Area.AMIABLE)
def case_answer(request, case_id: int):
    case = selectors.case_for(user=request.user, case_id=case_id)
    try:  # answered, past its window, closed…: the case's state, not a form refused on save
        services.check_answer(case=case, today=clock.business_today())
    except ApplicationError as error:
        row = selectors.case_row(user=request.user, case_id=case.id, today=clock.business_today(),
                                 calendar=clock.business_calendar())
        return _dialog(request, "amiable/answer.html", {"case": case, "closed": error.message, "row": row},
                       status=200 if request.method == "GET" else 400)
    form = AnswerForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid() and form_call(
        form, services.case_answer, case=case, by=request.user, **form.cleaned_data,
        today=clock.business_today(), calendar=clock.business_calendar(),
    ):
        message = (
            "Merci d'avoir transmis votre demande. Les demandes de prolongation seront analysées, validées ou "
            "refusées par notre service comptabilité."
            if form.cleaned_data["requested"]
            else "Merci d'avoir transmis votre demande. Nous vous confirmons que le courrier de mise en demeure "
            "sera transmis au sociétaire à J+1 ouvré."
        )
        if request.htmx:
            return _row_response(request, case.id, message=message)
        messages.success(request, message)
        return redirect(reverse("amiable:cases"))
    status = 400 if request.method == "POST" else 200
    return _dialog(request, "amiable/answer.html", {"case": case, "form": form, "rules": _rules()}, status=status)


@require_http_methods(["GET", "POST"])
@area_required(Area.AMIABLE)
def letter_acknowledge(request, letter_id: int):
    letter = selectors.letter_for(user=request.user, letter_id=letter_id)
    form = forms.Form(request.POST if request.method == "POST" else None)  # a confirmation: nothing to fill in
    if request.method == "POST" and form.is_valid() and form_call(
        form, services.letter_acknowledge, letter=letter, by=request.user, now=clock.local_now(),
    ):
        message = "Prise de connaissance enregistrée."
        if request.htmx:
            return _row_response(request, letter.case_id, message=message)
        messages.success(request, message)
        return redirect(reverse("amiable:cases"))
    return _dialog(request, "amiable/acknowledge.html", {"letter": letter, "form": form},
                   status=400 if form.errors else 200)


@require_GET
@area_required(Area.AMIABLE)
def letter_download(request, letter_id: int):
    letter = selectors.letter_for(user=request.user, letter_id=letter_id)
    if letter.document is None:
        raise Http404("Le PDF de ce courrier est en cours de génération, réessayez dans un instant.")
    return document_response(letter.document)


@require_GET
@area_required(Area.AMIABLE)
def policy_history(request, policy_id: int):
    policy, events, letters = selectors.policy_history_for(user=request.user, policy_id=policy_id)
    return _dialog(request, "amiable/history.html", {"policy": policy, "events": events, "letters": letters})


def _dialog(request, template: str, context: dict, *, status: int = 200):
    """A full page, or for htmx its dialog partial, put back into the dialog even on an error."""
    if not request.htmx:
        return render(request, template, context, status=status)
    response = render(request, f"{template}#dialog", context, status=status)
    return reswap(retarget(response, "#dialog-content"), "innerHTML")
