"""The back office of the platform (Django admin).

Accounting clerks (role ACCOUNTING, group "Comptabilité": ``services.accounting_permissions``)
work here, but only superusers manage the admin itself: staff and system accounts, passwords,
roles and rights, API tokens, groups, the beat schedule, login throttling. Each rule is held
twice — by the group's permissions and by these admin classes — so that a mistake in one is
caught by the other.
"""

from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import models
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from portal.admin_display import money
from portal.files import document_response
from portal.forms import SafeModelMultipleChoiceField, parse_id
from portal.models import (
    Area,
    Contact,
    DelegationProfile,
    DigestItem,
    Member,
    NewsItem,
    Organisation,
    OutboxMessage,
    Payment,
    Policy,
    PremiumCall,
    Product,
    Role,
    StoredDocument,
    User,
)

# Apps whose admin pages only superusers open, whatever permissions a group grants: groups and
# permissions, API tokens (a token is a login), the beat schedule (runs any task), axes.
SUPERUSER_ONLY_APPS = ("auth", "authtoken", "django_celery_beat", "axes")


class SuperuserOnlyAdmin:
    """Mixed into a ModelAdmin: nobody but a superuser sees or changes its rows."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request, *args):
        return self.has_module_permission(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request) and super().has_delete_permission(request, obj)


for _model in apps.get_models(include_auto_created=False):
    if _model._meta.app_label in SUPERUSER_ONLY_APPS and admin.site.is_registered(_model):
        _admin_class = type(admin.site.get_model_admin(_model))
        admin.site.unregister(_model)
        admin.site.register(_model, type(_admin_class.__name__, (SuperuserOnlyAdmin, _admin_class), {}))


class SafeAutocompleteMixin:
    """Django's autocomplete widgets query the values of a bound form as they came: « abc » or
    99999999999999999999999 would crash the page instead of showing the form's error."""

    def optgroups(self, name, value, attr=None):
        target = self.field.remote_field.model._meta.pk
        if isinstance(target, models.IntegerField):
            value = [item for item in value if parse_id(item) is not None]
        return super().optgroups(name, value, attr)


class SafeAutocompleteSelect(SafeAutocompleteMixin, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(SafeAutocompleteMixin, AutocompleteSelectMultiple):
    pass


class SafeChangeList(ChangeList):
    """A date hierarchy year too large for a date is a wrong filter (Django catches only ValueError)."""

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except OverflowError as error:
            raise IncorrectLookupParameters(error) from error


class InputSafeAdmin:
    """For our admin pages: a wrong id or date in a filter or a form is an error message, never a
    server error (see the classes above for the holes it closes in Django's admin)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        kwargs.setdefault("form_class", SafeModelMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_changelist(self, request, **kwargs):
        return SafeChangeList


class PortalModelAdmin(InputSafeAdmin, admin.ModelAdmin):
    pass


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["name", "email", "phone", "is_accounting"]


@admin.register(Organisation)
class OrganisationAdmin(PortalModelAdmin):
    list_display = ["name", "trade_name", "orias", "siren", "city", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "trade_name", "orias", "siren"]
    inlines = [ContactInline]


def clerk_may_change(account: User) -> bool:
    """The accounts an accounting clerk may change (a few fields of): brokers' and agents'
    users without admin access. Staff, superuser and system accounts are the superusers'."""
    return account.is_intermediary and not account.is_staff and not account.is_superuser


@admin.register(User)
class UserAdmin(InputSafeAdmin, DjangoUserAdmin):
    """Superusers manage every account. An accounting clerk sees them all and, on brokers'
    accounts only (``clerk_may_change``), changes the name, phone and active flag: never an
    e-mail (the password reset goes there), a password, a role, an organisation or a right."""

    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "role", "organisation", "is_active", "last_login"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["email", "first_name", "last_name", "organisation__name", "organisation__orias"]
    autocomplete_fields = ["organisation"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Identité", {"fields": ["first_name", "last_name", "phone", "mobile_phone"]}),
        # A broker's user: its default membership (the others, with their roles: « Accès aux cabinets »).
        ("Rôle", {"fields": ["role", "organisation"]}),
        ("Droits", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined", "activated_at", "terms_accepted_at"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "role", "organisation", "password1", "password2"]}),
    ]
    clerk_editable_fields = ["first_name", "last_name", "phone", "is_active"]

    def has_add_permission(self, request):
        return request.user.is_superuser and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        return request.user.is_superuser or obj is None or clerk_may_change(obj)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser or obj is None:
            return fieldsets
        # Not even the password hash, nor the link to the password form.
        return [(name, {**options, "fields": [field for field in options["fields"] if field != "password"]})
                for name, options in fieldsets]

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            # The role and organisation of a broker's user are its memberships' (« Accès aux cabinets »).
            memberships = ["role", "organisation"] if obj is not None and obj.is_intermediary else []
            return [*super().get_readonly_fields(request, obj), *memberships]
        shown = [field for _, options in self.get_fieldsets(request, obj) for field in options["fields"]]
        return ["password", *(field for field in shown if field not in self.clerk_editable_fields)]

    def save_model(self, request, obj, form, change):
        if not change and obj.activated_at is None:
            obj.activated_at = timezone.now()  # made by staff: no activation e-mail
        super().save_model(request, obj, form, change)
        if not change and obj.is_intermediary and obj.organisation_id:
            from portal import accounts

            accounts.membership_add(user=obj, organisation=obj.organisation, role=obj.role, by=request.user)

    def user_change_password(self, request, id, form_url=""):
        # Setting someone's password is taking over their account: superusers only.
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)


AREA_FIELDS = [f"area_{area.value}" for area in Area]


class DelegationProfileForm(forms.ModelForm):
    class Meta:
        model = DelegationProfile
        fields = ["organisation", "name", *AREA_FIELDS, "members", "collaborators"]

    def clean(self):
        cleaned = super().clean()
        organisation = cleaned.get("organisation")
        foreign = [m for m in cleaned.get("collaborators") or []
                   if organisation is None or m.organisation_id != organisation.id or m.role != Role.COLLABORATOR]
        if foreign:
            self.add_error("collaborators", f"{foreign[0]} : seuls les collaborateurs du cabinet reçoivent ce profil.")
        return cleaned


@admin.register(DelegationProfile)
class DelegationProfileAdmin(PortalModelAdmin):
    form = DelegationProfileForm
    list_display = ["name", "organisation", "area_list"]
    list_filter = AREA_FIELDS
    search_fields = ["name", "organisation__name", "organisation__orias"]
    autocomplete_fields = ["organisation", "members", "collaborators"]

    @admin.display(description="espaces délégués")
    def area_list(self, profile):
        return ", ".join(Area(area).label for area in Area if area.value in profile.areas()) or "—"

    def get_inlines(self, request, obj):
        from portal.account_admin import DelegationDepartementInline

        return [DelegationDepartementInline]


@admin.register(Member)
class MemberAdmin(PortalModelAdmin):
    list_display = ["member_number", "company_name", "siren", "postal_code", "city"]
    search_fields = ["member_number", "company_name", "siren", "siret"]
    inlines = [ContactInline]


@admin.register(Contact)
class ContactAdmin(PortalModelAdmin):
    list_display = ["email", "name", "member", "organisation", "is_accounting"]
    list_filter = ["is_accounting"]
    search_fields = ["email", "name", "member__company_name", "organisation__name"]
    autocomplete_fields = ["member", "organisation"]


@admin.register(Policy)
class PolicyAdmin(PortalModelAdmin):
    list_display = ["number", "member", "product", "broker", "broker_manages", "status"]
    list_filter = ["broker_manages", "status", "product"]
    search_fields = ["number", "member__member_number", "member__company_name", "broker__orias", "broker__name"]
    list_select_related = ["member", "broker", "product"]
    autocomplete_fields = ["member", "broker", "product"]


@admin.register(Product)
class ProductAdmin(PortalModelAdmin):
    """The insurer's products, named by their code in the premium-call import."""

    list_display = ["code", "name", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["code", "name"]


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    # Payments come from the insurer's system: shown, never typed here.
    fields = [money("amount", "montant"), "paid_on", "reference", "created_at"]
    readonly_fields = fields


@admin.register(PremiumCall)
class PremiumCallAdmin(PortalModelAdmin):
    list_display = ["reference", "policy", "due_date", money("amount", "montant"), money("paid_amount", "montant payé")]
    list_filter = [("due_date", admin.DateFieldListFilter)]
    search_fields = ["reference", "policy__number", "policy__member__company_name"]
    list_select_related = ["policy"]
    autocomplete_fields = ["policy"]
    readonly_fields = [money("paid_amount", "montant payé")]
    date_hierarchy = "due_date"
    inlines = [PaymentInline]

    # Premium calls and payments come from the insurer's system (API or CSV import services).
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(PortalModelAdmin):
    list_display = ["premium_call", money("amount", "montant"), "paid_on", "reference", "created_at"]
    search_fields = ["premium_call__reference", "reference", "premium_call__policy__number"]
    date_hierarchy = "paid_on"
    list_select_related = ["premium_call"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(StoredDocument)
class StoredDocumentAdmin(PortalModelAdmin):
    """Files kept as issued or uploaded through the services: read-only here."""

    list_display = ["original_name", "content_type", "size", "sha256", "created_at", "download_link"]
    search_fields = ["original_name", "sha256"]
    exclude = ["file"]  # its default link points at the media folder, which is never served
    readonly_fields = ["download_link"]

    def has_add_permission(self, request):
        return False  # documents are stored by the portal only (issued letters, checked uploads)

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
class OutboxMessageAdmin(PortalModelAdmin):
    """Read-only. A personal link (password reset…) is stored nowhere: the text shows
    "[lien personnel masqué]" where the outbox writes it when sending."""

    list_display = ["subject", "to", "status", "personal_link", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "personal_link"]
    search_fields = ["to", "subject", "key"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DigestItem)
class DigestItemAdmin(PortalModelAdmin):
    """Read-only: news written by the business steps, sent by the daily digests."""

    list_display = ["addressee", "kind", "text", "business_date", "digested_on"]
    list_filter = ["kind", "audience", "digested_on"]
    search_fields = ["recipient", "text", "organisation__name", "member__company_name"]
    list_select_related = ["organisation", "member"]
    readonly_fields = [f.name for f in DigestItem._meta.fields]

    @admin.display(description="destinataire")
    def addressee(self, obj):
        if obj.fan_out:
            return f"{obj.get_fan_out_display()} ({len(obj.policies)} polices)"
        return obj.recipient or obj.organisation or obj.member

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# The admin of the platform's other parts, in their own modules: help requests, FAQ and footer
# pages; accounts (memberships, audit, API tokens).
from portal import account_admin, help_admin  # noqa: E402, F401


@admin.register(NewsItem)
class NewsItemAdmin(PortalModelAdmin):
    """« Découvrez les nouveautés de votre espace »: written by staff, shown from the start date to
    the end date included."""

    list_display = ["title", "starts_on", "ends_on", "is_published", "updated_at"]
    list_filter = ["is_published"]
    search_fields = ["title", "body"]
    date_hierarchy = "starts_on"
    fields = ["title", "body", "starts_on", "ends_on", "is_published"]
