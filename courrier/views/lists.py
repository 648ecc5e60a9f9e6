"""« Tous les courriers papiers »: filters, search, sorting, paging (htmx partial)."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from courrier.selectors import envelope_rows_for
from courrier.views.common import courrier_page

PAGE_SIZE = 20
COLUMNS = [
    ("number", "#"),
    ("sender", "Expéditeur"),
    ("recipient", "Destinataire"),
    ("mode", "Mode d'envoi"),
    ("created_by", "Créé par"),
    ("status", "État"),
    ("", "Suivi postal"),
]


@require_GET
@courrier_page
def envelopes(request):
    filterset = envelope_rows_for(user=request.user, params=request.GET)
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"filter": filterset, "page": page, "columns": COLUMNS,
               "sort": request.GET.get("ordering", "")}
    template = "courrier/envelopes.html#table" if request.htmx and not request.htmx.boosted else \
        "courrier/envelopes.html"
    return render(request, template, context)
