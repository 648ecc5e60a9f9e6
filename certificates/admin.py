"""Certificates in the Django admin: the main guarantees of each product (kept by the insurer's
staff, printed on the certificates) and the certificates issued, read-only (stored as issued)."""

from __future__ import annotations

from django.contrib import admin

from certificates.models import Certificate, ProductGuarantee
from portal.admin import PortalModelAdmin


@admin.register(ProductGuarantee)
class ProductGuaranteeAdmin(PortalModelAdmin):
    list_display = ["product", "position", "label", "limit"]
    list_display_links = ["label"]
    list_filter = ["product"]
    list_select_related = ["product"]
    search_fields = ["label", "product__name", "product__code"]
    fields = ["product", "position", "label", "limit"]
    ordering = ["product__name", "position", "id"]


@admin.register(Certificate)
class CertificateAdmin(PortalModelAdmin):
    list_display = ["issued_on", "holder_name", "policy_number", "product_name", "period_start", "period_end",
                    "broker", "issued_by"]
    list_filter = ["issued_on"]
    list_select_related = ["broker", "issued_by"]
    search_fields = ["holder_name", "policy_number", "broker__name"]
    date_hierarchy = "issued_on"
    fields = ["broker", "member", "policy", "holder_name", "policy_number", "product_name", "period_start",
              "period_end", "issued_on", "place", "issued_by", "document", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
