"""The back office of help requests, the FAQ and the footer's pages.

Staff work the queue in « Demandes d'aide » (filtered by status, subject and clerk): assign a
clerk, answer (the requester and the organisation's administrators are e-mailed), write internal
notes, set the status. Every change goes through ``portal.help``; requests are never added nor
deleted here (a dossier n° is never given twice)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join, linebreaks
from django.utils.safestring import mark_safe

from portal import help
from portal.errors import ApplicationError
from portal.help_forms import StaffAnswerForm
from portal.help_selectors import help_conversation
from portal.models import FaqCategory, FaqEntry, HelpAttachment, HelpRequest, SitePage, User
from portal.views import form_error


class AssignedFilter(admin.SimpleListFilter):
    title = "attribution"
    parameter_name = "attribuee"

    def lookups(self, request, model_admin):
        return [("moi", "À moi"), ("personne", "À personne")]

    def queryset(self, request, queryset):
        if self.value() == "moi":
            return queryset.filter(assigned_to=request.user)
        if self.value() == "personne":
            return queryset.filter(assigned_to__isnull=True)
        return queryset


@admin.register(HelpRequest)
class HelpRequestAdmin(admin.ModelAdmin):
    list_display = ["file_number", "created_at", "subject", "title", "organisation", "requester", "status",
                    "assigned_to", "last_activity_at"]
    list_filter = ["status", "subject", AssignedFilter]
    search_fields = ["=file_number", "title", "organisation__name", "organisation__orias", "requester__email",
                     "requester__last_name"]
    list_select_related = ["organisation", "requester", "assigned_to"]
    date_hierarchy = "created_at"
    actions = ["assign_to_me", "close_requests"]
    fields = ["file_number", "status", "organisation", "requester", "subject", "title", "concern_label",
              "created_at", "last_activity_at", "assigned_to", "conversation"]
    readonly_fields = [field for field in fields if field != "assigned_to"]
    change_form_template = "admin/portal/helprequest/change_form.html"

    def has_add_permission(self, request):
        return False  # requests come from the brokers' users

    def has_delete_permission(self, request, obj=None):
        return False  # a dossier n° is never given twice

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assigned_to":
            kwargs["queryset"] = User.objects.filter(is_staff=True, is_active=True).order_by("last_name", "email")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and self.has_change_permission(request, obj):
            extra_context = {**(extra_context or {}), "answer_form": StaffAnswerForm(initial={"status": obj.status})}
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if "assigned_to" in form.changed_data:
            help.help_request_assign(help_request=obj, by=request.user, clerk=form.cleaned_data["assigned_to"])

    @admin.display(description="conversation")
    def conversation(self, obj):
        """Every message in order, internal notes included (marked), with their files."""
        return format_html_join("", '<div class="help-admin-message help-admin-message--{}"><p><strong>{}</strong> — {} · {}{}</p>{}{}</div>', (
            (message.kind, message.get_kind_display(), message.author,
             timezone.localtime(message.created_at).strftime("%d/%m/%Y %H:%M"),
             f" · statut : {message.get_status_display()}" if message.status else "",
             mark_safe(linebreaks(message.body, autoescape=True)),  # noqa: S308 — the body is escaped
             format_html_join("", '<p>Pièce jointe : <a href="{}">{}</a></p>', (
                 (reverse("admin:portal_helprequest_attachment", args=[obj.pk, attachment.pk]),
                  attachment.document.original_name)
                 for attachment in message.attachments.all())))
            for message in help_conversation(help_request=obj, staff=True)))

    def get_urls(self):
        return [
            path("<path:object_id>/repondre/", self.admin_site.admin_view(self.answer_view),
                 name="portal_helprequest_answer"),
            path("<path:object_id>/pieces/<int:attachment_id>/", self.admin_site.admin_view(self.attachment_view),
                 name="portal_helprequest_attachment"),
            *super().get_urls(),
        ]

    def _request_or_404(self, request, object_id) -> HelpRequest:
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404
        return obj

    def answer_view(self, request, object_id):
        """« Répondre »: an answer to the requester or an internal note, and the status after it."""
        obj = self._request_or_404(request, object_id)
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        form = StaffAnswerForm(request.POST or None, request.FILES or None, initial={"status": obj.status})
        if request.method == "POST" and form.is_valid():
            try:
                self._answer(request, obj, form.cleaned_data)
            except ApplicationError as error:
                form_error(form, error)
            else:
                return redirect("admin:portal_helprequest_change", obj.pk)
        return TemplateResponse(request, "admin/portal/helprequest/answer.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "original": obj, "form": form,
            "title": f"Répondre — {obj}",
        })

    def _answer(self, request, obj: HelpRequest, data: dict) -> None:
        body, status = data["message"].strip(), data["status"]
        if data["kind"] == StaffAnswerForm.NOTE:
            if data["attachments"]:
                raise ApplicationError("Une note interne ne porte pas de pièce jointe.", field="attachments")
            if body:
                help.help_request_note(help_request=obj, by=request.user, message=body)
            if status != obj.status:
                help.help_request_status_set(help_request=obj, by=request.user, status=status)
            elif not body:
                raise ApplicationError("Écrivez une note ou changez le statut.", field="message")
            messages.success(request, "Note interne enregistrée.")
        elif body or data["attachments"]:
            help.help_request_answer(help_request=obj, by=request.user, message=body, status=status,
                                     attachments=data["attachments"])
            messages.success(request, "Réponse envoyée au demandeur et aux administrateurs de son cabinet.")
        elif status != obj.status:
            help.help_request_status_set(help_request=obj, by=request.user, status=status)
            messages.success(request, f"Statut changé : {obj.get_status_display()}.")
        else:
            raise ApplicationError("Écrivez votre réponse ou changez le statut.", field="message")

    def attachment_view(self, request, object_id, attachment_id: int):
        obj = self._request_or_404(request, object_id)
        if not self.has_view_permission(request, obj):
            raise PermissionDenied
        attachment = get_object_or_404(HelpAttachment.objects.select_related("document"), pk=attachment_id,
                                       message__help_request=obj)
        response = FileResponse(attachment.document.file.open("rb"), content_type=attachment.document.content_type,
                                as_attachment=True, filename=attachment.document.original_name)
        response["Cache-Control"] = "private, no-store"
        return response

    @admin.action(description="M'attribuer les demandes sélectionnées", permissions=["change"])
    def assign_to_me(self, request, queryset):
        for obj in queryset:
            help.help_request_assign(help_request=obj, by=request.user, clerk=request.user)
        messages.success(request, f"{queryset.count()} demande(s) vous sont attribuées.")

    @admin.action(description="Clore les demandes sélectionnées", permissions=["change"])
    def close_requests(self, request, queryset):
        closed = 0
        for obj in queryset.exclude(status="closed"):
            help.help_request_close(help_request=obj, by=request.user)
            closed += 1
        messages.success(request, f"{closed} demande(s) close(s).")


class FaqEntryInline(admin.TabularInline):
    model = FaqEntry
    extra = 0
    fields = ["position", "question", "is_published"]
    show_change_link = True


@admin.register(FaqCategory)
class FaqCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "position"]
    inlines = [FaqEntryInline]


@admin.register(FaqEntry)
class FaqEntryAdmin(admin.ModelAdmin):
    list_display = ["question", "category", "position", "is_published", "updated_at"]
    list_filter = ["category", "is_published"]
    search_fields = ["question", "answer"]
    list_select_related = ["category"]


PLACEHOLDER_HELP = (
    "Markdown : ## titre, **gras**, listes « - », liens [texte](https://…). Valeurs tirées des réglages : "
    + ", ".join(f"{{{{ {name} }}}}" for name in ("assureur", "assureur_adresse", "assureur_forme", "assureur_siren",
                                                  "assureur_telephone", "directeur_publication", "hebergeur",
                                                  "hebergeur_adresse", "dpo_contact", "autorite_controle", "site"))
    + "."
)


@admin.register(SitePage)
class SitePageAdmin(admin.ModelAdmin):
    """The footer's pages: their addresses are fixed (the footer links to them), their text is edited."""

    list_display = ["title", "slug", "updated_at"]
    readonly_fields = ["slug", "updated_at"]
    fields = ["slug", "title", "body", "updated_at"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if "body" in form.base_fields:
            form.base_fields["body"].help_text = PLACEHOLDER_HELP
        return form

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
