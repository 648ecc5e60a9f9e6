"""Pages of « Voir les commissions » (issue 13 §3): the statements with the current month
« provisoire », one statement's lines, its PDF (as issued) and CSV. Thin: parse, read, answer."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from commissions import documents, exports, selectors
from portal import clock
from portal.files import document_response
from portal.formatting import format_date
from portal.models import Area
from portal.months import month_start
from portal.views import area_required

STATEMENTS_PER_PAGE = 12
LINES_PER_PAGE = 50


def _page(request, items, per_page: int):
    """A page of a list; a missing, wrong or out-of-range ``page`` gives the first or last page."""
    return Paginator(items, per_page).get_page(request.GET.get("page"))


def _provisional(request) -> dict:
    today = clock.business_today()
    return {"start": month_start(today), "end": today, "month": documents.month_label(today),
            "totals": selectors.provisional_totals(user=request.user, today=today)}


@area_required(Area.COMMISSIONS)
def statements(request):
    """« Voir les commissions »: the current month (provisoire), then the issued statements."""
    return render(request, "commissions/statements.html", {
        "provisional": _provisional(request),
        "statements": _page(request, selectors.statements_for(user=request.user), STATEMENTS_PER_PAGE),
        "whole": selectors.sees_whole_statements(request.user),
    })


@area_required(Area.COMMISSIONS)
def provisional(request):
    data = _provisional(request)
    lines = selectors.provisional_lines(user=request.user, today=data["end"], count=data["totals"].line_count)
    return render(request, "commissions/statement.html", {
        "provisional": data, "lines": _page(request, lines, LINES_PER_PAGE), "totals": data["totals"],
        "whole": selectors.sees_whole_statements(request.user),
    })


@area_required(Area.COMMISSIONS)
def provisional_csv(request):
    today = clock.business_today()
    lines = selectors.provisional_lines(user=request.user, today=today)
    return exports.csv_response(lines, filename=f"commissions-provisoire-{today:%Y-%m}.csv")


def _statement(request, pk: int):
    return get_object_or_404(selectors.statements_for(user=request.user), pk=pk)


@area_required(Area.COMMISSIONS)
def statement(request, pk: int):
    found = _statement(request, pk)
    lines = selectors.statement_lines_for(user=request.user, statement=found)
    return render(request, "commissions/statement.html", {
        "statement": found, "lines": _page(request, lines, LINES_PER_PAGE),
        "month": documents.month_label(found.period_start), "whole": selectors.sees_whole_statements(request.user),
    })


@area_required(Area.COMMISSIONS)
def statement_csv(request, pk: int):
    found = _statement(request, pk)
    rows = selectors.statement_csv_rows(user=request.user, statement=found)
    return exports.csv_response(rows, filename=documents.statement_filename(found, "csv"))


@area_required(Area.COMMISSIONS)
def statement_pdf(request, pk: int):
    found = _statement(request, pk)
    if not selectors.sees_whole_statements(request.user):
        raise PermissionDenied(
            f"Le relevé n° {found.number} du {format_date(found.issued_on)} porte sur tout le portefeuille du "
            "cabinet : son PDF est réservé aux administrateurs. Téléchargez le CSV de vos clients.")
    document = documents.statement_document_ensure(statement_id=found.pk)
    return document_response(document, name=documents.statement_filename(found, "pdf"))
