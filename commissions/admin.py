"""Back office of the commissions (accounting clerks): the products' commission rates with
their dates of effect, and the issued statements, read-only, with their PDF."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from commissions import documents, services
from commissions.models import CommissionRate, Statement
from portal.admin import PortalModelAdmin
from portal.admin_display import money
from portal.errors import ApplicationError
from portal.files import document_response
from portal.formatting import format_date, format_money

PREVIEW_LINES = 100


class CommissionRateForm(forms.ModelForm):
    class Meta:
        model = CommissionRate
        fields = ["product", "rate", "effective_from"]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            services.check_rate(product=cleaned.get("product"), rate=cleaned.get("rate"),
                                effective_from=cleaned.get("effective_from"), instance=self.instance)
        except ApplicationError as error:
            self.add_error(error.field if error.field in self.fields else None, error.message)
        return cleaned


def _rate_is_history(obj: CommissionRate) -> bool:
    """Applied by an issued statement, or dated in an issued month: never changed."""
    closed = services.last_closed_day()
    return obj.lines.exists() or (closed is not None and obj.effective_from <= closed)


@admin.register(CommissionRate)
class CommissionRateAdmin(PortalModelAdmin):
    form = CommissionRateForm
    list_display = ["product", "rate_display", "effective_from"]
    list_filter = ["product"]
    ordering = ["product__name", "-effective_from"]
    list_select_related = ["product"]

    @admin.display(description="taux", ordering="rate")
    def rate_display(self, obj):
        return f"{obj.rate:.2f} %".replace(".", ",")

    def has_change_permission(self, request, obj=None):
        # A rate that served an issued statement is history: add a new one with a later date.
        if obj is not None and _rate_is_history(obj):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and _rate_is_history(obj):
            return False
        return super().has_delete_permission(request, obj)


@admin.register(Statement)
class StatementAdmin(PortalModelAdmin):
    """Issued statements: visible, never added, changed nor deleted here."""

    list_display = ["number", "organisation", "period_start", "issued_on", "line_count",
                    money("commission_total", "total des commissions HT"), "pdf_link"]
    list_filter = ["period_start"]
    search_fields = ["number", "organisation__name", "organisation__orias"]
    list_select_related = ["organisation"]
    exclude = ["document", "snapshot"]
    readonly_fields = ["pdf_link", "lines_preview"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="PDF")
    def pdf_link(self, obj):
        return format_html('<a href="{}">Télécharger</a>', reverse("admin:commissions_statement_pdf", args=[obj.pk]))

    @admin.display(description="lignes")
    def lines_preview(self, obj):
        """The first lines (a statement may have 20 000: the PDF has them all)."""
        lines = obj.lines.order_by("kind", "paid_on", "policy_number", "id")[:PREVIEW_LINES]
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((line.get_kind_display(), format_date(line.paid_on), line.policy_number, line.company_name,
              format_money(line.premium), "—" if line.rate is None else f"{line.rate} %", format_money(line.commission))
             for line in lines))
        more = (format_html("<p>… {} autres lignes dans le PDF.</p>", obj.line_count - PREVIEW_LINES)
                if obj.line_count > PREVIEW_LINES else "")
        return format_html(
            "<table><thead><tr><th>Nature</th><th>Date de paiement</th><th>N° Police</th><th>Raison sociale</th>"
            "<th>Cotisation encaissée</th><th>Taux</th><th>Commission HT</th></tr></thead><tbody>{}</tbody></table>{}",
            rows, more)

    def get_urls(self):
        return [path("<int:pk>/pdf/", self.admin_site.admin_view(self.pdf_view), name="commissions_statement_pdf"),
                *super().get_urls()]

    def pdf_view(self, request, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        statement = get_object_or_404(Statement, pk=pk)
        document = documents.statement_document_ensure(statement_id=statement.pk)
        return document_response(document, name=documents.statement_filename(statement, "pdf"))
