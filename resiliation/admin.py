from django.contrib import admin

from portal.admin import PortalModelAdmin
from resiliation import services
from resiliation.models import (
    IdentityVerification,
    Insurer,
    InsurerRequest,
    LetterContract,
    OriasCertificate,
    SandboxWebhookDelivery,
    SignatureRequest,
    TerminationLetter,
    WebhookEvent,
)


@admin.register(Insurer)
class InsurerAdmin(PortalModelAdmin):
    list_display = ["name", "address_line1", "postal_code", "city", "kind", "is_identified", "is_active"]
    list_filter = ["is_active", "kind", "is_identified"]
    search_fields = ["name", "city", "postal_code"]


@admin.register(InsurerRequest)
class InsurerRequestAdmin(PortalModelAdmin):
    list_display = ["name", "organisation", "requested_by", "created_at", "status"]
    list_filter = ["status"]
    search_fields = ["name", "organisation__name", "organisation__orias"]
    readonly_fields = ["organisation", "requested_by", "name", "address", "comment", "created_at"]
    actions = ["mark_done"]

    @admin.action(description="Marquer comme traitées (compagnie ajoutée à l'annuaire)", permissions=["change"])
    def mark_done(self, request, queryset):
        updated = services.insurer_requests_done(request_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, f"{updated} demande(s) traitée(s).")


@admin.register(OriasCertificate)
class OriasCertificateAdmin(PortalModelAdmin):
    list_display = ["organisation", "valid_until", "created_at", "uploaded_by"]
    search_fields = ["organisation__name", "organisation__orias"]
    readonly_fields = ["organisation", "document", "uploaded_by", "created_at"]


class LetterContractInline(admin.TabularInline):
    model = LetterContract
    extra = 0
    can_delete = False
    fields = ["contract_type", "reference", "reason", "main_due_date", "new_insurer"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(TerminationLetter)
class TerminationLetterAdmin(PortalModelAdmin):
    """Letters are read in the admin; every change goes through the pages and services."""

    list_display = ["id", "organisation", "last_name", "first_name", "insurer", "status", "send_date", "sent_at"]
    list_filter = ["status", "sender_mode", "with_acknowledgement", "qualified"]
    search_fields = ["id", "last_name", "company_name", "organisation__name", "organisation__orias",
                     "provider_reference"]
    list_select_related = ["organisation", "insurer"]
    inlines = [LetterContractInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SignatureRequest)
class SignatureRequestAdmin(PortalModelAdmin):
    list_display = ["letter", "provider", "provider_reference", "mode", "status", "expires_at", "signed_at"]
    list_filter = ["status", "mode"]
    readonly_fields = ["letter", "provider", "provider_reference", "mode", "email", "mobile_phone", "status",
                       "expires_at", "signed_at", "signed_document"]

    def has_add_permission(self, request):
        return False  # started by the sending flow


@admin.register(WebhookEvent)
class WebhookEventAdmin(PortalModelAdmin):
    list_display = ["received_at", "provider", "event_type", "object_reference", "applied"]
    list_filter = ["provider", "event_type", "applied"]
    readonly_fields = ["provider", "event_id", "event_type", "object_reference", "occurred_at", "payload",
                       "received_at", "applied"]

    def has_add_permission(self, request):
        return False  # received from the providers


@admin.register(IdentityVerification)
class IdentityVerificationAdmin(PortalModelAdmin):
    list_display = ["user", "organisation", "provider", "status", "created_at", "verified_at"]
    list_filter = ["status", "provider"]
    readonly_fields = ["user", "organisation", "mobile_phone", "email", "status", "provider", "provider_reference",
                       "verification_url", "debit_entry_id", "created_at", "verified_at"]
    exclude = ["code"]

    def has_add_permission(self, request):
        return False  # started by the account holder


@admin.register(SandboxWebhookDelivery)
class SandboxWebhookDeliveryAdmin(PortalModelAdmin):
    list_display = ["event_id", "provider", "attempts", "delivered_at", "next_attempt_at"]
    list_filter = ["provider"]
