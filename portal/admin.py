from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html

from portal.files import document_response
from portal.models import (
    Contact,
    DelegationProfile,
    DigestItem,
    Member,
    Organisation,
    OutboxMessage,
    Payment,
    Policy,
    PremiumCall,
    StoredDocument,
    User,
)


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["name", "email", "phone", "is_accounting"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "trade_name", "orias", "siren", "city", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "trade_name", "orias", "siren"]
    inlines = [ContactInline]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "role", "organisation", "is_active", "last_login"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name", "organisation__name", "organisation__orias"]
    autocomplete_fields = ["organisation"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Identité", {"fields": ["first_name", "last_name", "phone"]}),
        ("Rôle", {"fields": ["role", "organisation"]}),
        ("Droits", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "role", "organisation", "password1", "password2"]}),
    ]
    privilege_fields = ["is_staff", "is_superuser", "groups", "user_permissions"]

    def get_readonly_fields(self, request, obj=None):
        # Only a superuser grants admin rights: an accounting clerk may manage accounts, not
        # make anyone (themselves included) staff or superuser.
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += self.privilege_fields
        return readonly


@admin.register(DelegationProfile)
class DelegationProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "area_amiable", "area_resiliation", "area_courrier", "area_billing"]
    list_filter = ["area_amiable", "area_resiliation", "area_courrier", "area_billing"]
    search_fields = ["name", "organisation__name", "organisation__orias"]
    autocomplete_fields = ["organisation", "members", "collaborators"]


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ["member_number", "company_name", "siren", "postal_code", "city"]
    search_fields = ["member_number", "company_name", "siren", "siret"]
    inlines = [ContactInline]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "member", "organisation", "is_accounting"]
    list_filter = ["is_accounting"]
    search_fields = ["email", "name", "member__company_name", "organisation__name"]
    autocomplete_fields = ["member", "organisation"]


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ["number", "member", "broker", "broker_manages", "status"]
    list_filter = ["broker_manages", "status"]
    search_fields = ["number", "member__member_number", "member__company_name", "broker__orias", "broker__name"]
    list_select_related = ["member", "broker"]
    autocomplete_fields = ["member", "broker"]


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    fields = ["amount", "paid_on", "reference", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(PremiumCall)
class PremiumCallAdmin(admin.ModelAdmin):
    list_display = ["reference", "policy", "due_date", "amount", "paid_amount"]
    list_filter = [("due_date", admin.DateFieldListFilter)]
    search_fields = ["reference", "policy__number", "policy__member__company_name"]
    list_select_related = ["policy"]
    autocomplete_fields = ["policy"]
    readonly_fields = ["paid_amount"]
    date_hierarchy = "due_date"
    inlines = [PaymentInline]

    def has_change_permission(self, request, obj=None):
        # Premium calls and payments come from the insurer's system (API or CSV import).
        return False


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["premium_call", "amount", "paid_on", "reference", "created_at"]
    search_fields = ["premium_call__reference", "reference", "premium_call__policy__number"]
    date_hierarchy = "paid_on"
    list_select_related = ["premium_call"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(StoredDocument)
class StoredDocumentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "content_type", "size", "sha256", "created_at", "download_link"]
    search_fields = ["original_name", "sha256"]
    exclude = ["file"]  # its default link points at the media folder, which is never served
    readonly_fields = ["download_link"]

    def has_change_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [path("<int:pk>/telecharger/", self.admin_site.admin_view(self.download_view),
                     name="portal_storeddocument_download"), *super().get_urls()]

    def download_view(self, request, pk: int):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return document_response(get_object_or_404(StoredDocument, pk=pk))

    @admin.display(description="fichier")
    def download_link(self, obj):
        return format_html('<a href="{}">Télécharger</a>', reverse("admin:portal_storeddocument_download",
                                                                   args=[obj.pk])) if obj.pk else "—"


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["subject", "to", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["to", "subject", "key"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(DigestItem)
class DigestItemAdmin(admin.ModelAdmin):
    list_display = ["addressee", "kind", "text", "business_date", "digested_on"]
    list_filter = ["kind", "audience", "digested_on"]
    search_fields = ["recipient", "text", "organisation__name", "member__company_name"]
    list_select_related = ["organisation", "member"]

    @admin.display(description="destinataire")
    def addressee(self, obj):
        if obj.fan_out:
            return f"{obj.get_fan_out_display()} ({len(obj.policies)} polices)"
        return obj.recipient or obj.organisation or obj.member
    readonly_fields = [f.name for f in DigestItem._meta.fields]
