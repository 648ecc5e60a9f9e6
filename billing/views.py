"""Pages of billing (seed 001 §9.1–9.2): "Facturation", "Achat de crédits", the sandbox
bank's payment page and the payment provider's callback. Thin: parse, call a service, answer."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from billing import documents, selectors
from billing.forms import SANDBOX_TEST_CARD, CreditPurchaseForm, SandboxCardForm
from billing.models import PurchaseStatus
from billing.payments import SandboxProvider, payment_provider
from billing.purchases import credit_purchase_expired, credit_purchase_notify, credit_purchase_start
from portal import clock
from portal.errors import ApplicationError
from portal.files import document_response
from portal.models import Area
from portal.views import area_required, form_call

PAGE_SIZE = 10
TABLES = {"recus": "receipts", "factures": "invoices", "historique": "ledger"}


def _page(request, queryset, param: str):
    """A page of a table, with the links to its neighbours (full page, and htmx partial)."""
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get(param))

    def link(number: int, partial: bool) -> str:
        query = request.GET.copy()
        query[param] = str(number)
        query.pop("table", None)
        if partial:
            query["table"] = param
        return f"?{query.urlencode()}"

    page.target = TABLES[param]
    if page.has_previous():
        page.previous_url = link(page.previous_page_number(), False)
        page.previous_partial_url = link(page.previous_page_number(), True)
    if page.has_next():
        page.next_url = link(page.next_page_number(), False)
        page.next_partial_url = link(page.next_page_number(), True)
    return page


@area_required(Area.BILLING)
def index(request):
    """"Facturation": credit, receipts, monthly invoices and the account's history."""
    user = request.user
    context = {
        "summary": selectors.credit_summary(organisation=user.organisation, on=clock.business_today()),
        "receipts": _page(request, selectors.receipts_for(user=user), "recus"),
        "invoices": _page(request, selectors.invoices_for(user=user), "factures"),
        "entries": _page(request, selectors.ledger_entries_for(user=user), "historique"),
    }
    table = request.GET.get("table")
    if request.htmx and table in TABLES:
        return render(request, f"billing/index.html#{TABLES[table]}", context)
    return render(request, "billing/index.html", context)


@area_required(Area.BILLING)
@require_http_methods(["GET", "POST"])
def purchase(request):
    """"Achat de crédits": choose an amount, then go to the payment provider's page."""
    user = request.user
    form = CreditPurchaseForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and (started := form_call(
            form, credit_purchase_start, organisation=user.organisation, amount=form.cleaned_data["amount"], by=user,
            provider=payment_provider(), now=clock.local_now())):
        return redirect(started[1])
    summary = selectors.credit_summary(organisation=user.organisation, on=clock.business_today())
    return render(request, "billing/purchase.html", {"form": form, "summary": summary},
                  status=400 if form.errors else 200)


@area_required(Area.BILLING)
def purchase_result(request, token: str):
    """Where the user comes back to after paying (or not)."""
    found = selectors.purchase_for(user=request.user, token=token)
    if found is None:
        raise Http404
    summary = selectors.credit_summary(organisation=request.user.organisation, on=clock.business_today())
    return render(request, "billing/purchase_result.html", {
        "purchase": found, "summary": summary, "expired": credit_purchase_expired(purchase=found, now=clock.local_now()),
        "receipt": getattr(found, "receipt", None) if found.status == PurchaseStatus.PAID else None,
    })


@area_required(Area.BILLING)
@require_http_methods(["GET", "POST"])
def sandbox_payment(request, token: str):
    """The sandbox bank's card page; on a decision it sends its signed notification back
    through the browser (an auto-submitted form to the callback)."""
    provider = payment_provider()
    found = selectors.purchase_for(user=request.user, token=token)
    if found is None or found.provider != SandboxProvider.name or not isinstance(provider, SandboxProvider):
        raise Http404
    if found.status != PurchaseStatus.PENDING or credit_purchase_expired(purchase=found, now=clock.local_now()):
        return render(request, "billing/sandbox_payment.html", {"purchase": found, "closed": True}, status=410)
    form = SandboxCardForm(request.POST or None)
    if request.method == "POST":
        declined = "decline" in request.POST
        if declined or form.is_valid():
            payload, signature = provider.notice_for(
                purchase=found, outcome="declined" if declined else "paid", now=clock.local_now()
            )
            return render(request, "billing/sandbox_redirect.html", {
                "action": reverse("billing:payment_callback"), "payload": payload, "signature": signature,
                "declined": declined,
            })
    return render(request, "billing/sandbox_payment.html", {"purchase": found, "form": form,
                                                          "test_card": SANDBOX_TEST_CARD},
                  status=400 if form.errors else 200)


CALLBACK_STATUS = {"forged": 403, "malformed": 400, "late": 403, "replayed": 409, "unknown": 404,
                   "amount": 400, "expired": 410}


@csrf_exempt
@require_POST
def payment_callback(request):
    """The provider's notification: authenticated by its HMAC signature, not by a session."""
    payload = request.POST.get("payload", "")
    signature = request.POST.get("signature", "") or request.headers.get("X-Payment-Signature", "")
    try:
        result = credit_purchase_notify(
            provider=payment_provider(), payload=payload, signature=signature,
            now=clock.local_now(), today=clock.business_today(),
        )
    except ApplicationError as error:  # the provider's protocol: a status per refusal (not a page error)
        return render(request, "billing/payment_refused.html", {"message": error.message},
                      status=CALLBACK_STATUS.get(error.code, 400))
    response = redirect("billing:purchase_result", token=result.purchase.token)
    response.status_code = 303
    return response


def _pdf_response(document, filename: str) -> HttpResponse:
    return document_response(document, name=filename)


@area_required(Area.BILLING)
def receipt_pdf(request, receipt_id: int):
    receipt = get_object_or_404(selectors.receipts_for(user=request.user), pk=receipt_id)
    return _pdf_response(documents.receipt_document_ensure(receipt_id=receipt.pk), f"recu-{receipt.number}.pdf")


@area_required(Area.BILLING)
def invoice_pdf(request, invoice_id: int):
    invoice = get_object_or_404(selectors.invoices_for(user=request.user), pk=invoice_id)
    prefix = "avoir" if invoice.is_credit_note else "facture"
    return _pdf_response(documents.invoice_document_ensure(invoice_id=invoice.pk), f"{prefix}-{invoice.number}.pdf")
