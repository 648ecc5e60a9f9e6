"""Admin of accounts (issue 10 §3, §5): the memberships of people to organisations, the audit
of account changes and the organisations' API tokens.

Only superusers attach a person to an organisation or change a role (« Ajouter un espace » is
a help request that staff carry out here); the change goes through the same service as the
administrator's page — the last active administrator stays, and it is audited. Clerks read.
Nobody deletes a membership (deactivate it) nor edits the audit.
"""

from django import forms
from django.contrib import admin

from portal import accounts
from portal.errors import ApplicationError
from portal.models import AccountAudit, ApiToken, DelegationDepartement, Membership


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["user", "organisation", "role", "is_active"]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and not self.errors:
            try:
                accounts.check_keeps_an_administrator(self.instance, role=cleaned.get("role"),
                                                       active=cleaned.get("is_active"))
            except ApplicationError as error:
                raise forms.ValidationError(error.message) from error
        return cleaned


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    form = MembershipForm
    list_display = ["user", "organisation", "role", "is_active", "created_at"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "organisation__name",
                     "organisation__trade_name", "organisation__orias"]
    list_select_related = ["user", "organisation"]
    autocomplete_fields = ["user", "organisation"]
    readonly_fields = ["invited_by", "created_at"]

    def get_readonly_fields(self, request, obj=None):
        # A membership stays the same person's in the same organisation.
        return [*self.readonly_fields, "user", "organisation"] if obj else self.readonly_fields

    def has_add_permission(self, request):
        return request.user.is_superuser and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            saved = accounts.membership_change_by_staff(membership=obj, by=request.user, role=obj.role,
                                                        active=obj.is_active)
        else:
            saved = accounts.membership_add(user=obj.user, organisation=obj.organisation, role=obj.role,
                                            by=request.user)
        obj.pk = saved.pk


class DelegationDepartementInline(admin.TabularInline):
    model = DelegationDepartement
    extra = 0


@admin.register(AccountAudit)
class AccountAuditAdmin(admin.ModelAdmin):
    list_display = ["at", "organisation", "actor_label", "action", "subject"]
    list_filter = ["action"]
    search_fields = ["organisation__name", "organisation__orias", "actor_label", "subject"]
    list_select_related = ["organisation"]
    date_hierarchy = "at"
    readonly_fields = [field.name for field in AccountAudit._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Issued by ``manage.py api_token_create`` (the key is shown once, only its SHA-256 is
    kept): read here; superusers revoke (delete) them."""

    list_display = ["prefix", "membership", "created_at"]
    search_fields = ["prefix", "membership__user__email", "membership__organisation__name"]
    list_select_related = ["membership__user", "membership__organisation"]
    readonly_fields = ["key_hash", "prefix", "membership", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)
