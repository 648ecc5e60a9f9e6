"""« Télécharger nos contrats »: the products' documents in effect, downloaded as uploaded."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from library import selectors
from portal import clock
from portal.files import document_response
from portal.forms import request_id


def library_page(view):
    """A page for brokers' users (every one of them: no delegation area)."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if not selectors.library_open_to(user=request.user):
            raise PermissionDenied("Les documents contractuels sont réservés aux utilisateurs des cabinets ; "
                                   "L'Auxiliaire les dépose dans l'administration.")
        return view(request, *args, **kwargs)

    return wrapped


@require_GET
@library_page
def documents(request):
    today = clock.business_today()
    products = list(selectors.products_in_library(user=request.user, today=today))
    product_id = request_id(request.GET, "produit")
    chosen = next((product for product in products if product.pk == product_id), None)
    rows = selectors.documents_in_effect(user=request.user, today=today,
                                         product_id=chosen.pk if chosen else None)
    return render(request, "library/documents.html", {
        "products": products, "chosen": chosen, "shelves": selectors.library_shelves(rows), "today": today,
    })


@require_GET
@library_page
def document_download(request, pk: int):
    found = selectors.documents_in_effect(user=request.user, today=clock.business_today()).filter(pk=pk).first()
    if found is None:
        raise Http404
    return document_response(found.document, name=f"{found.title} {found.version}")
