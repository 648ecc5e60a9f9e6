"""Pyramide Artisan in the admin: staff keep the trades and the tariff grids (a grid in effect is
never changed: a new grid with a later date of effect replaces it); quotes are read-only."""

from __future__ import annotations

from django.contrib import admin
from django.db import models
from django.urls import reverse
from django.utils.html import format_html

from portal import clock
from portal.admin import PortalModelAdmin
from quotes.models import Quote, Tariff, TariffRate, Trade


def _in_effect(tariff: Tariff | None) -> bool:
    return tariff is not None and tariff.pk is not None and tariff.effective_from <= clock.business_today()


@admin.register(Trade)
class TradeAdmin(PortalModelAdmin):
    list_display = ["name", "tariff_class", "is_active"]
    list_filter = ["tariff_class", "is_active"]
    search_fields = ["name"]


# Amounts typed the French way (« 1,30 »).
LOCALIZED = {models.DecimalField: {"localize": True}}


class TariffRateInline(admin.TabularInline):
    model = TariffRate
    formfield_overrides = LOCALIZED
    extra = 0
    fields = ["tariff_class", "turnover_up_to", "base_premium"]

    def has_add_permission(self, request, obj=None):
        return not _in_effect(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _in_effect(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _in_effect(obj) and super().has_delete_permission(request, obj)


@admin.register(Tariff)
class TariffAdmin(PortalModelAdmin):
    list_display = ["effective_from", "state", "price_per_square_metre", "price_per_employee", "tax_rate"]
    date_hierarchy = "effective_from"
    formfield_overrides = LOCALIZED
    actions = None  # no bulk delete: a grid is deleted one at a time, before its date of effect
    inlines = [TariffRateInline]
    fieldsets = [
        (None, {"fields": ["effective_from", "tax_rate"]}),
        ("Locaux et effectif", {"fields": ["price_per_square_metre", "price_per_employee"]}),
        ("Options (prime annuelle HT)", {"fields": ["machinery_breakdown_price", "business_interruption_price",
                                                    "legal_protection_price"]}),
    ]

    def has_change_permission(self, request, obj=None):
        return not _in_effect(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _in_effect(obj) and super().has_delete_permission(request, obj)

    @admin.display(description="état")
    def state(self, tariff):
        return "en vigueur ou passée" if _in_effect(tariff) else "à venir"


@admin.register(Quote)
class QuoteAdmin(PortalModelAdmin):
    list_display = ["number", "issued_on", "organisation", "prospect_name", "trade_name", "premium_including_tax",
                    "valid_until", "created_by"]
    list_filter = ["tariff_class", "issued_on"]
    search_fields = ["number", "prospect_name", "organisation__name", "organisation__orias", "created_by__email"]
    list_select_related = ["organisation", "created_by"]
    date_hierarchy = "issued_on"
    readonly_fields = ["pdf_link"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="PDF")
    def pdf_link(self, quote):
        return format_html('<a href="{}">Télécharger</a>', reverse("admin:portal_storeddocument_download",
                                                                   args=[quote.document_id]))
