"""The accounting back office of the cycle amiable (Django admin).

Clerks decide extension requests (one by one or in bulk, with a note), put cases on manual
follow-up and export the contentieux for the collection agency. Every decision goes through
``amiable.services`` (audited: who, when, what) and is also written to the admin log.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from amiable import exports, rules, selectors, services
from amiable.models import Case, CollectionCase, Event, ExtensionRequest, Letter, Stage
from amiable.rules import Decision
from portal import clock
from portal.admin import PortalModelAdmin
from portal.admin_display import money
from portal.errors import ApplicationError
from portal.files import document_response
from portal.formatting import format_date, format_money


class NoteForm(forms.Form):
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))


class ManualFollowUpForm(forms.Form):
    note = forms.CharField(label="Motif du suivi manuel", widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))


class PendingFirstFilter(admin.SimpleListFilter):
    """Pending requests by default: the clerk's to-do list."""

    title = "statut"
    parameter_name = "statut"

    def lookups(self, request, model_admin):
        return [("pending", "En attente"), ("approved", "Accordées"), ("refused", "Refusées"), ("all", "Toutes")]

    def choices(self, changelist):
        value = self.value() or "pending"
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or "pending"
        return queryset if value == "all" else queryset.filter(status=value)


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(PortalModelAdmin):
    # Nine columns that fit a 1280 px screen beside the filters: the decision in one.
    list_display = ["policy_number", "member", "broker", "reason_label", "short_comment", "document_link",
                    "requested_on", "notice_if_approved", "decision"]
    list_filter = [PendingFirstFilter, "reason", "requested_on"]
    search_fields = ["case__policy__number", "case__policy__member__company_name",
                     "case__policy__member__member_number", "case__policy__broker__name", "case__policy__broker__orias"]
    list_select_related = ["case__policy__member", "case__policy__broker", "decided_by"]
    readonly_fields = ["case_link", "reason", "comment", "document_link", "requested_on", "requested_by", "status",
                       "decided_on", "decided_at", "decided_by", "note"]
    fields = readonly_fields
    actions = ["approve", "refuse"]
    date_hierarchy = "requested_on"
    change_form_template = "admin/amiable/extensionrequest/change_form.html"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="police", ordering="case__policy__number")
    def policy_number(self, obj):
        return obj.case.policy.number

    @admin.display(description="sociétaire")
    def member(self, obj):
        return f"{obj.case.policy.member.company_name} ({obj.case.policy.member.member_number})"

    @admin.display(description="cabinet")
    def broker(self, obj):
        return obj.case.policy.broker

    @admin.display(description="justification", ordering="reason")
    def reason_label(self, obj):
        return obj.get_reason_display()

    @admin.display(description="commentaire")
    def short_comment(self, obj):
        return (obj.comment[:80] + "…") if len(obj.comment) > 80 else obj.comment

    @admin.display(description="mise en demeure si accordée")
    def notice_if_approved(self, obj):
        from amiable import rules

        if obj.status != Decision.PENDING:
            return "—"
        day = rules.formal_notice_date(
            window_end=obj.case.response_deadline, calendar=clock.business_calendar(),
            answer=rules.Answer.REQUESTED, decision=rules.Decision.APPROVED, decided_on=clock.business_today(),
        )
        return day.strftime("%d/%m/%Y")

    @admin.display(description="décision", ordering="status")
    def decision(self, obj):
        if obj.status == Decision.PENDING:
            return obj.get_status_display()
        return f"{obj.get_status_display()} le {format_date(obj.decided_on)} par {obj.decided_by}"

    @admin.display(description="document")
    def document_link(self, obj):
        if not obj.document_id:
            return "—"
        url = reverse("admin:amiable_extensionrequest_document", args=[obj.id])
        return format_html('<a href="{}">{}</a>', url, obj.document.original_name)

    @admin.display(description="dossier")
    def case_link(self, obj):
        url = reverse("admin:amiable_case_change", args=[obj.case_id])
        return format_html('<a href="{}">{}</a>', url, obj.case)

    def get_urls(self):
        return [
            path("<int:object_id>/document/", self.admin_site.admin_view(self.document_view),
                 name="amiable_extensionrequest_document"),
            path("<int:object_id>/decide/", self.admin_site.admin_view(self.decide_view),
                 name="amiable_extensionrequest_decide"),
            *super().get_urls(),
        ]

    def document_view(self, request, object_id):
        if not self.has_view_permission(request):
            raise Http404
        extension = get_object_or_404(ExtensionRequest.objects.select_related("document"), id=object_id)
        if extension.document is None:
            raise Http404("Aucun document joint.")
        return document_response(extension.document)

    def decide_view(self, request, object_id):
        if request.method != "POST" or not self.has_change_permission(request):
            raise Http404
        extension = get_object_or_404(ExtensionRequest, id=object_id)
        self._decide(request, [extension], approved=request.POST.get("decision") == "approve",
                     note=request.POST.get("note", ""))
        return redirect(reverse("admin:amiable_extensionrequest_change", args=[object_id]))

    def _decide(self, request, extensions, *, approved: bool, note: str) -> None:
        done, refused = 0, []
        for extension in extensions:
            try:
                services.extension_decide(
                    extension=extension, by=request.user, approved=approved, note=note,
                    today=clock.business_today(), now=clock.local_now(), calendar=clock.business_calendar(),
                )
            except ApplicationError as error:
                refused.append(f"{extension.case.policy.number} : {error.message}")
                continue
            done += 1
            self.log_change(request, extension, f"Prolongation {'accordée' if approved else 'refusée'}. {note}")
        if done:
            self.message_user(request, f"{done} demande(s) {'accordée(s)' if approved else 'refusée(s)'}.",
                              messages.SUCCESS)
        for line in refused:
            self.message_user(request, line, messages.ERROR)

    def _bulk(self, request, queryset, *, approved: bool):
        if "apply" in request.POST:
            form = NoteForm(request.POST)
            if form.is_valid():
                self._decide(request, list(queryset.select_related("case__policy")), approved=approved,
                             note=form.cleaned_data["note"])
                return None
        return TemplateResponse(request, "admin/amiable/decision_confirm.html", {
            **self.admin_site.each_context(request),
            "title": "Accorder les prolongations" if approved else "Refuser les prolongations",
            "approved": approved,
            "extension_length": rules.EXTENSION_LENGTH,
            "extensions": queryset.select_related("case__policy__member"),
            "form": NoteForm(),
            "action": "approve" if approved else "refuse",
            "opts": self.model._meta,
        })

    @admin.action(description=f"Accorder la prolongation ({rules.EXTENSION_LENGTH} jours ouvrés)", permissions=["change"])
    def approve(self, request, queryset):
        return self._bulk(request, queryset, approved=True)

    @admin.action(description="Refuser la prolongation", permissions=["change"])
    def refuse(self, request, queryset):
        return self._bulk(request, queryset, approved=False)


class EventInline(admin.TabularInline):
    model = Event
    extra = 0
    can_delete = False
    fields = ["date", "type", "detail", money("amount", "montant"), "actor", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class LetterInline(admin.TabularInline):
    model = Letter
    extra = 0
    can_delete = False
    fields = ["kind", "letter_date", money("amount_due", "reste dû"), "effective_date", "acknowledged_at",
              "acknowledged_by", "sha256"]
    readonly_fields = fields

    @admin.display(description="SHA-256")
    def sha256(self, obj):
        return obj.document.sha256 if obj.document_id else "PDF en préparation"

    def has_add_permission(self, request, obj=None):
        return False


class CaseAdminBase(PortalModelAdmin):
    # Ten columns that fit a 1280 px screen beside the filters: the formal notice's planned and
    # actual dates in one.
    list_display = ["policy", "member", "stage", "reminder_date", "response_deadline", "answer", "formal_notice",
                    "suspension_date", "termination_date", "manual_follow_up"]
    list_filter = ["stage", "manual_follow_up", "broker_manages", "answer"]
    search_fields = ["policy__number", "policy__member__company_name", "policy__member__member_number",
                     "premium_call__reference", "policy__broker__name", "policy__broker__orias"]
    list_select_related = ["policy", "member"]
    readonly_fields = [f.name for f in Case._meta.fields]
    inlines = [LetterInline, EventInline]
    date_hierarchy = "reminder_date"

    @admin.display(description="mise en demeure", ordering="formal_notice_date")
    def formal_notice(self, obj):
        if obj.formal_notice_date:
            return f"envoyée le {format_date(obj.formal_notice_date)}"
        return f"prévue le {format_date(obj.formal_notice_planned)}" if obj.formal_notice_planned else "—"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(CaseAdminBase):
    actions = ["manual_on", "manual_off"]

    def _manual(self, request, queryset, *, enabled: bool):
        if enabled and "apply" not in request.POST:
            return TemplateResponse(request, "admin/amiable/manual_confirm.html", {
                **self.admin_site.each_context(request),
                "title": "Mettre en suivi manuel",
                "cases": queryset.select_related("policy__member"),
                "form": ManualFollowUpForm(),
                "opts": self.model._meta,
            })
        note = request.POST.get("note", "")
        done = 0
        for case in queryset:
            try:
                services.case_manual_follow_up(case=case, by=request.user, enabled=enabled, note=note,
                                               today=clock.business_today())
            except ApplicationError as error:
                self.message_user(request, f"{case.policy.number} : {error.message}", messages.ERROR)
                continue
            done += 1
            self.log_change(request, case, ("Suivi manuel : " + note) if enabled else "Reprise du suivi automatique")
        if done:
            self.message_user(request, f"{done} dossier(s) mis à jour.", messages.SUCCESS)
        return None

    @admin.action(description="Mettre en suivi manuel (arrête les étapes automatiques)", permissions=["change"])
    def manual_on(self, request, queryset):
        return self._manual(request, queryset, enabled=True)

    @admin.action(description="Reprendre le suivi automatique", permissions=["change"])
    def manual_off(self, request, queryset):
        return self._manual(request, queryset, enabled=False)


@admin.register(CollectionCase)
class CollectionCaseAdmin(CaseAdminBase):
    """Contentieux: terminated for non-payment, handed over to the collection agency."""

    list_display = ["policy", "member", "amount_due", "formal_notice_date", "termination_date", "broker"]
    list_filter = ["termination_date", "broker"]
    actions = ["export_csv"]
    change_list_template = "admin/amiable/collectioncase/change_list.html"

    def get_queryset(self, request):
        return selectors.collection_cases()

    @admin.display(description="reste dû")
    def amount_due(self, obj):
        return format_money(obj.premium_call.outstanding)

    def get_urls(self):
        return [
            path("export.csv", self.admin_site.admin_view(self.export_all), name="amiable_collectioncase_export"),
            *super().get_urls(),
        ]

    def export_all(self, request):
        if not self.has_view_permission(request):
            raise Http404
        return self._csv(selectors.collection_cases())

    @admin.action(description="Exporter pour le recouvrement (CSV)", permissions=["view"])
    def export_csv(self, request, queryset):
        return self._csv(queryset)

    def _csv(self, queryset):
        rows = exports.collection_rows(queryset.filter(stage=Stage.TERMINATED).order_by("termination_date", "id"))
        return exports.csv_response(headers=exports.COLLECTION_HEADERS, rows=rows, filename="contentieux.csv")
