"""« Résiliations »: the lists (folders and column filters), trash/restore, Excel export."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from portal import clock
from portal.views import action_call, valid_filters
from resiliation import exports, services
from resiliation.forms import LetterFiltersForm
from resiliation.selectors import FOLDERS, letter_rows_for, managers_for
from resiliation.views.common import letter_for, resiliation_page
from resiliation.views.sending import CANCEL_QUESTION


def _filters(request, *, notify: bool = True) -> tuple[str, dict]:
    """The folder and the column filters of the query string (a wrong one is left out)."""
    data = valid_filters(request, LetterFiltersForm(request.GET), notify=notify)
    filters = {"number": data.get("number"), "manager": data.get("manager"),
               **{name: data.get(name, "") for name in ("subscriber", "contract", "recipient")}}
    return data.get("dossier") or "all", filters


@resiliation_page
def letters(request):
    folder, filters = _filters(request)
    rows = letter_rows_for(user=request.user, folder=folder, **filters)
    page = Paginator(rows, 10).get_page(request.GET.get("page"))
    today = clock.business_today()
    return render(request, "resiliation/letters.html", {
        "trash_question": TRASH_QUESTION, "cancel_question": CANCEL_QUESTION,
        "page": page, "folder": folder, "folders": FOLDERS, "folder_label": FOLDERS[folder][0],
        "filters": {name: "" if value is None else str(value) for name, value in filters.items()},
        "cancellable": {letter.pk for letter in page if letter.cancel_refusal(today=today) is None},
        "managers": managers_for(user=request.user) if request.user.is_org_admin else [],
        "export_query": request.GET.urlencode(),
    })


@resiliation_page
def letters_export(request):
    """« Exporter vers Excel »: the letters of the current filters, streamed."""
    folder, filters = _filters(request, notify=False)
    rows = letter_rows_for(user=request.user, folder=folder, **filters)
    response = StreamingHttpResponse(exports.letters_xlsx(rows=rows), content_type=exports.XLSX)
    response["Content-Disposition"] = f'attachment; filename="resiliations-{clock.business_today():%Y%m%d}.xlsx"'
    return response


TRASH_QUESTION = {
    "title": "Mettre à la corbeille", "label": "Mettre à la corbeille",
    "question": "ATTENTION : Cette action N'annule PAS l'envoi.",
    "note": "Vous pourrez retrouver le courrier dans votre corbeille.",
}


@require_http_methods(["GET", "POST"])
@resiliation_page
def letter_trash(request, pk: int):
    """« Mettre à la corbeille », after a confirmation (this page without JavaScript)."""
    letter = letter_for(request, pk)
    if request.method == "GET":
        back = reverse("resiliation:letters")
        return render(request, "resiliation/confirm.html", {
            "letter": letter, **TRASH_QUESTION, "action": reverse("resiliation:trash", args=[letter.pk]),
            "back": back})
    action_call(request, services.letter_trash, letter=letter, now=clock.local_now(),
                success=f"Le courrier n° {letter.pk} est dans la corbeille (l'envoi n'est pas annulé).")
    return redirect(reverse("resiliation:letters"))


@require_POST
@resiliation_page
def letter_restore(request, pk: int):
    letter = letter_for(request, pk)
    action_call(request, services.letter_restore, letter=letter, success=f"Le courrier n° {letter.pk} est restauré.")
    return redirect(reverse("resiliation:letters") + "?dossier=trash")
