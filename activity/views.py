"""« Suivre votre activité » (seed 000, issue 13 §1): the page and its workbook. Thin: read the
filters, call the selectors, render."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.shortcuts import render
from django.views.decorators.http import require_GET

from activity import charts, exports, periods, selectors
from activity.forms import ActivityFiltersForm
from portal import clock
from portal.formatting import format_money
from portal.models import Area
from portal.views import area_required, valid_filters


def _filters(request, *, notify: bool = True) -> dict:
    data = valid_filters(request, ActivityFiltersForm(request.GET), notify=notify)
    start, end = periods.period_for(start=data.get("du"), end=data.get("au"), today=clock.business_today())
    member = None
    if data.get("client"):
        member = selectors.activity_client(user=request.user, member_id=data["client"])
        if member is None and notify:
            messages.warning(request, "Ce client ne fait pas partie de votre portefeuille : filtre ignoré.")
    return {"start": start, "end": end, "member": member, "search": (data.get("recherche") or "").strip()}


def _money_axis(value: float) -> str:
    return format_money(Decimal(str(round(value))), currency=True).replace(",00", "")


def _charts(activity: selectors.Activity) -> dict:
    months = [row.short_label for row in activity.months]
    every = 1 if len(months) <= 12 else 2
    return {
        "products": charts.bar_chart([row.name for row in activity.products],
                                     [("Polices en vigueur", [row.policies for row in activity.products])],
                                     integer=True),
        "premiums": charts.bar_chart(months, [("Cotisations appelées", [row.called for row in activity.months]),
                                              ("Cotisations encaissées", [row.collected for row in activity.months])],
                                     formatter=_money_axis, label_every=every),
        "rates": charts.bar_chart(months, [("Taux d'encaissement", [row.rate for row in activity.months])],
                                  formatter=lambda value: f"{value:g} %", maximum=100, label_every=every),
        "steps": charts.bar_chart([row.label for row in activity.steps],
                                  [("Dossiers ouverts", [row.cases for row in activity.steps])], integer=True),
        "cover": charts.bar_chart(months, [("Suspensions", [row.suspensions for row in activity.months]),
                                           ("Résiliations", [row.terminations for row in activity.months])],
                                  label_every=every, integer=True),
    }


@require_GET
@area_required(Area.ACTIVITY)
def index(request):
    filters = _filters(request)
    activity = selectors.activity_for(user=request.user, start=filters["start"], end=filters["end"],
                                      member=filters["member"])
    clients, more_clients = ([], False)
    if filters["search"]:
        clients, more_clients = selectors.activity_clients(user=request.user, search=filters["search"])
    query = request.GET.copy()
    return render(request, "activity/index.html", {
        "activity": activity,
        "charts": _charts(activity),
        "filters": filters,
        "clients": clients,
        "more_clients": more_clients,
        "query": query,
        "start_value": f"{filters['start']:%Y-%m}",
        "end_value": f"{filters['end']:%Y-%m}",
        "period_label": f"de {periods.month_label(filters['start'])} à {periods.month_label(filters['end'])}",
    })


@require_GET
@area_required(Area.ACTIVITY)
def export(request):
    filters = _filters(request, notify=False)
    activity = selectors.activity_for(user=request.user, start=filters["start"], end=filters["end"],
                                      member=filters["member"])
    return exports.activity_workbook_response(activity, filename=f"suivis-activite-{filters['end']:%Y-%m}.xlsx")
