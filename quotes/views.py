"""« Un devis Pyramide Artisan »: the quote form, the broker's quotes, their PDFs."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from portal import clock
from portal.files import document_response
from portal.formatting import format_date, format_money
from portal.models import Area
from portal.views import area_required, form_call
from quotes import rules, selectors, services
from quotes.forms import QuoteForm
from quotes.models import QuoteStatus

PAGE_SIZE = 20


@require_GET
@area_required(Area.QUOTES)
def quotes(request):
    today = clock.business_today()
    status = request.GET.get("statut", "")
    status = status if status in QuoteStatus.values else ""  # a wrong value shows every quote
    page = Paginator(selectors.quote_rows_for(user=request.user, today=today, status=status), PAGE_SIZE).get_page(
        request.GET.get("page"))
    return render(request, "quotes/quotes.html", {"page": page, "today": today, "status": status,
                                                 "statuses": QuoteStatus.choices,
                                                 "validity_days": rules.VALIDITY_DAYS})


@require_http_methods(["GET", "POST"])
@area_required(Area.QUOTES)
def new(request):
    today = clock.business_today()
    form = QuoteForm(request.POST or None, trades=selectors.trades_offered())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        quote = form_call(form, services.quote_issue, by=request.user, prospect_name=data["prospect_name"],
                          trade=data["trade"], turnover=data["turnover"], staff_count=data["staff_count"],
                          premises_area=data["premises_area"], options=data["options"], today=today)
        if quote is not None:
            messages.success(request, f"Devis {quote.number} établi : prime annuelle "
                                      f"{format_money(quote.premium_including_tax)} TTC, valable jusqu'au "
                                      f"{format_date(quote.valid_until)} inclus.")
            return redirect("quotes:quotes")
    tariff = selectors.tariff_in_effect(on=today)
    return render(request, "quotes/new.html", {
        "form": form, "tariff": tariff, "limits": {"turnover": rules.MAX_TURNOVER, "staff": rules.MAX_STAFF},
        "validity_days": rules.VALIDITY_DAYS,
    }, status=400 if form.errors else 200)


@require_GET
@area_required(Area.QUOTES)
def quote_pdf(request, pk: int):
    quote = get_object_or_404(selectors.quote_rows_for(user=request.user, today=clock.business_today()), pk=pk)
    return document_response(quote.document, name=f"Devis {quote.number}")
