"""Paper mail in the Django admin: read-only for the insurer's clerks (list, filters, detail with
documents and history). Every change goes through the pages, the API and the services."""

from __future__ import annotations

from django.contrib import admin
from django.template.defaultfilters import date as date_format
from django.utils.html import format_html

from courrier.models import NUMBER_OFFSET, Envelope, EnvelopeDocument, EnvelopeEvent, WebhookEvent


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DocumentInline(ReadOnlyMixin, admin.TabularInline):
    model = EnvelopeDocument
    extra = 0
    fields = ["position", "name", "kind", "pages", "status", "error"]
    readonly_fields = fields
    verbose_name_plural = "documents (dans l'ordre)"


class EventInline(ReadOnlyMixin, admin.TabularInline):
    model = EnvelopeEvent
    extra = 0
    fields = ["occurred_at", "type", "detail", "by"]
    readonly_fields = fields
    verbose_name_plural = "historique"


@admin.register(Envelope)
class EnvelopeAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["number", "organisation", "created_by", "mode", "status", "state_date", "price",
                    "tracking_link", "content_deleted_at"]
    list_filter = ["status", "mode", "delivery_status", ("content_deleted_at", admin.EmptyFieldListFilter),
                   "handover_date"]
    search_fields = ["=id", "recipient_name", "recipient_city", "sender_name", "tracking_number",
                     "organisation__name", "organisation__orias", "created_by__email"]
    list_select_related = ["organisation", "created_by"]
    date_hierarchy = "created_at"
    inlines = [DocumentInline, EventInline]
    fieldsets = [
        (None, {"fields": ["organisation", "created_by", "created_at", "status", "mode", "colour", "duplex",
                           "staple", "pages", "sheets"]}),
        ("Adresses", {"fields": ["recipient_source", "recipient_name", "recipient_lines", "recipient_postal_code",
                                 "recipient_city", "sender_name", "sender_lines", "sender_postal_code",
                                 "sender_city"]}),
        ("Envoi", {"fields": ["send_on", "handover_date", "validated_at", "price", "debit_entry_id",
                              "refund_entry_id", "transmitted_at", "posted_at", "cancelled_at"]}),
        ("La Poste", {"fields": ["provider", "provider_reference", "tracking_number", "delivery_status",
                                 "delivery_status_at", "deposit_proof", "acknowledgement"]}),
        ("Conservation", {"fields": ["content_deleted_at", "print_pages"]}),
    ]

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip().lstrip("#")
        if term.isdigit() and int(term) > NUMBER_OFFSET:
            search_term = str(int(term) - NUMBER_OFFSET)
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="#", ordering="id")
    def number(self, envelope):
        return envelope.number

    @admin.display(description="date de l'état")
    def state_date(self, envelope):
        value = envelope.state_date
        return date_format(value, "d/m/Y") if value else "—"

    @admin.display(description="suivi postal")
    def tracking_link(self, envelope):
        if not envelope.tracking_number:
            return "—"
        label = envelope.get_delivery_status_display() if envelope.delivery_status else envelope.tracking_number
        return format_html('<a href="{}" target="_blank" rel="noopener">{}</a>', envelope.tracking_url, label)


@admin.register(WebhookEvent)
class PostalWebhookEventAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["received_at", "provider", "event_type", "object_reference", "occurred_at", "applied"]
    list_filter = ["provider", "event_type", "applied"]
    search_fields = ["event_id", "object_reference"]
