"""Back office of billing (accounting clerks): price list with dates of effect, accounts with
their overdraft limit and adjustments, and read-only ledger, purchases, receipts, invoices."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from billing import documents, selectors, services
from billing.models import Account, CreditPurchase, Invoice, InvoiceLine, LedgerEntry, LedgerLine, Price, Receipt
from portal import clock
from portal.admin import PortalModelAdmin
from portal.admin_display import money
from portal.errors import ApplicationError
from portal.files import document_response
from portal.formatting import format_money


class ReadOnlyAdmin(PortalModelAdmin):
    """Issued money rows: visible, never added, changed nor deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PriceForm(forms.ModelForm):
    class Meta:
        model = Price
        fields = ["product", "amount", "valid_from"]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            services.check_price(product=cleaned["product"], amount=cleaned["amount"],
                                 valid_from=cleaned["valid_from"], today=clock.business_today(),
                                 instance=self.instance)
        except ApplicationError as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
        return cleaned


@admin.register(Price)
class PriceAdmin(PortalModelAdmin):
    form = PriceForm
    list_display = ["product", "amount_ttc", "valid_from", "in_effect"]
    list_filter = ["product"]
    ordering = ["product", "-valid_from"]

    @admin.display(description="prix TTC", ordering="amount")
    def amount_ttc(self, obj):
        return format_money(obj.amount)

    @admin.display(description="en vigueur", boolean=True)
    def in_effect(self, obj):
        current = selectors.prices_on(products=[obj.product], on=clock.business_today()).get(obj.product)
        return obj.valid_from <= clock.business_today() and current == obj.amount and not Price.objects.filter(
            product=obj.product, valid_from__gt=obj.valid_from, valid_from__lte=clock.business_today()).exists()

    def has_change_permission(self, request, obj=None):
        # A price already in effect is history: add a new one with its date of effect instead.
        if obj is not None and obj.valid_from <= clock.business_today():
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.valid_from <= clock.business_today():
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        services.price_schedule(product=obj.product, amount=obj.amount, valid_from=obj.valid_from,
                                today=clock.business_today(), instance=obj if change else None)


class AccountForm(forms.ModelForm):
    """Overdraft limit, and an optional adjustment (amount + mandatory reason)."""

    adjustment_amount = forms.DecimalField(
        label="régularisation (€)", required=False, max_digits=12, decimal_places=2,
        help_text="Positif : crédit offert ou corrigé ; négatif : débit. Laisser vide pour ne rien ajouter.",
    )
    adjustment_reason = forms.CharField(label="motif de la régularisation", required=False, max_length=300)

    class Meta:
        model = Account
        fields = ["overdraft_limit"]

    def clean(self):
        cleaned = super().clean()
        amount = cleaned.get("adjustment_amount")
        if amount not in (None, Decimal("0")) and not (cleaned.get("adjustment_reason") or "").strip():
            self.add_error("adjustment_reason", "Le motif de la régularisation est obligatoire.")
        if amount == Decimal("0"):
            self.add_error("adjustment_amount", "Le montant de la régularisation ne peut pas être nul.")
        return cleaned


@admin.register(Account)
class AccountAdmin(PortalModelAdmin):
    form = AccountForm
    list_display = ["organisation", "balance_display", money("overdraft_limit", "découvert autorisé"), "updated_at"]
    search_fields = ["organisation__name", "organisation__orias"]
    list_select_related = ["organisation"]
    readonly_fields = ["organisation", "balance_display", "ledger_link"]
    fields = ["organisation", "balance_display", "ledger_link", "overdraft_limit", "adjustment_amount",
              "adjustment_reason"]

    @admin.display(description="grand livre")
    def ledger_link(self, obj):
        url = reverse("admin:billing_ledgerentry_changelist") + f"?account__id__exact={obj.pk}"
        return format_html('<a href="{}">Voir les écritures du compte</a>', url)

    @admin.display(description="crédit", ordering="balance")
    def balance_display(self, obj):
        return format_money(obj.balance)

    def has_add_permission(self, request):
        return False  # accounts open with the organisation's first purchase or debit

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        try:
            organisation = obj.organisation
            services.account_overdraft_set(organisation=organisation, limit=form.cleaned_data["overdraft_limit"],
                                           by=request.user)
            amount = form.cleaned_data.get("adjustment_amount")
            if amount:
                services.account_adjust(organisation=organisation, amount=amount,
                                        reason=form.cleaned_data["adjustment_reason"], by=request.user,
                                        on=clock.business_today())
        except ApplicationError as error:
            raise PermissionDenied(error.message)
        obj.refresh_from_db()


class LedgerLineInline(admin.TabularInline):
    model = LedgerLine
    fields = ["product", "quantity", money("unit_price", "prix unitaire"), money("amount", "montant")]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "account", "booked_on", "kind", "label", money("amount", "montant"),
                    money("balance_after", "crédit après l'opération"), "created_by"]
    list_filter = ["kind", ("booked_on", admin.DateFieldListFilter), "account"]
    search_fields = ["account__organisation__name", "account__organisation__orias", "label", "idempotency_key"]
    list_select_related = ["account__organisation", "created_by"]
    date_hierarchy = "booked_on"
    inlines = [LedgerLineInline]


@admin.register(CreditPurchase)
class CreditPurchaseAdmin(ReadOnlyAdmin):
    list_display = ["id", "account", money("amount", "montant"), "status", "provider", "provider_reference",
                    "created_at", "settled_at"]
    list_filter = ["status", "provider"]
    search_fields = ["account__organisation__name", "account__organisation__orias", "token", "provider_reference"]
    list_select_related = ["account__organisation"]


class DocumentAdmin(ReadOnlyAdmin):
    """Read-only, with a PDF download for staff (rendered on first download if needed)."""

    pdf_url_name = ""

    @staticmethod
    def ensure(pk):
        raise NotImplementedError

    def get_urls(self):
        return [
            path("<int:pk>/pdf/", self.admin_site.admin_view(self.pdf_view), name=self.pdf_url_name),
            *super().get_urls(),
        ]

    def pdf_view(self, request, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        obj = get_object_or_404(self.model, pk=pk)
        document = self.ensure(pk)
        return document_response(document, name=f"{obj.number}.pdf")

    @admin.display(description="PDF")
    def pdf_link(self, obj):
        return format_html('<a href="{}">Télécharger</a>', reverse(f"admin:{self.pdf_url_name}", args=[obj.pk]))


@admin.register(Receipt)
class ReceiptAdmin(DocumentAdmin):
    list_display = ["number", "account", "issued_on", money("amount", "montant"), "pdf_link"]
    search_fields = ["number", "account__organisation__name", "account__organisation__orias"]
    list_select_related = ["account__organisation"]
    date_hierarchy = "issued_on"
    pdf_url_name = "billing_receipt_pdf"

    @staticmethod
    def ensure(pk):
        return documents.receipt_document_ensure(receipt_id=pk)


class InvoiceLineInline(admin.TabularInline):
    model = InvoiceLine
    fields = ["label", "quantity", "unit_price_excluding_tax", "vat_rate", money("tax_amount", "montant de TVA"),
              money("amount_excluding_tax", "montant HT"), money("amount", "montant TTC")]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False


@admin.register(Invoice)
class InvoiceAdmin(DocumentAdmin):
    list_display = ["number", "kind", "account", "issued_on", "period_start", money("total_excluding_tax", "total HT"),
                    money("total_tax", "TVA"), money("total_including_tax", "total TTC"), "pdf_link"]
    list_filter = ["kind"]
    search_fields = ["number", "account__organisation__name", "account__organisation__orias"]
    list_select_related = ["account__organisation"]
    date_hierarchy = "issued_on"
    inlines = [InvoiceLineInline]
    pdf_url_name = "billing_invoice_pdf"

    @staticmethod
    def ensure(pk):
        return documents.invoice_document_ensure(invoice_id=pk)
