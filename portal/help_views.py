"""Pages of « Aide » (Demande d'aide, Suivi des demandes) and the footer's public pages
(Questions fréquentes and the pages edited in the admin)."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from portal import help
from portal.errors import ApplicationError
from portal.forms import search_term
from portal.help_forms import HelpFilterForm, HelpReplyForm, HelpRequestForm
from portal.help_selectors import (
    HelpFilters,
    faq_categories,
    help_conversation,
    help_request_for,
    help_request_rows_for,
)
from portal.markup import markdown_html
from portal.models import HELP_PUBLIC_KINDS, HelpAttachment, HelpRequest, HelpSubject, Role, SitePage
from portal.views import form_error

ROWS_PER_PAGE = 20


def help_page(view):
    """A page of a broker's user. Staff are sent to the admin's queue, where they work requests;
    other accounts (the insurer's system) are refused."""

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        user = request.user
        if not (user.is_intermediary and user.organisation_id):
            if user.is_staff:
                return redirect("admin:portal_helprequest_changelist")
            raise PermissionDenied("Les demandes d'aide sont réservées aux utilisateurs des cabinets.")
        return view(request, *args, **kwargs)

    return wrapped


def _prefill(request, groups: list) -> dict:
    """« ?sujet=ajout_espace », « ?sujet=compte&objet=… », « ?concerne=<type>:<id> »."""
    initial = {}
    if request.GET.get("sujet") in HelpSubject.values:
        initial["subject"] = request.GET["sujet"]
    if request.GET.get("objet"):
        initial["title"] = help.check_title(request.GET["objet"][: help.TITLE_MAX_LENGTH])
    reference = request.GET.get("concerne", "")
    if reference:
        try:
            concern = help.check_concern(user=request.user, reference=reference)
        except ApplicationError:
            concern = None  # a stale or foreign link: no prefill, nothing said about the row
        if concern is not None:
            initial["concern"] = help.concern_reference(concern.kind, concern.row_id)
            if not any(initial["concern"] == value for _, choices in groups for value, _ in choices):
                groups.insert(0, ("Élément concerné", [(initial["concern"], concern.label)]))
    return initial


@help_page
def help_request_new(request):
    """« Demande d'aide » / « Nous contacter »."""
    groups = help.concern_choices(user=request.user)
    if request.method == "POST":
        form = HelpRequestForm(request.POST, request.FILES, concern_groups=groups)
        if form.is_valid():
            try:
                help_request = help.help_request_create(
                    by=request.user, subject=form.cleaned_data["subject"], title=form.cleaned_data["title"],
                    message=form.cleaned_data["message"], attachments=form.cleaned_data["attachments"],
                    concern=form.cleaned_data.get("concern", ""),
                )
            except ApplicationError as error:
                form_error(form, error)
            else:
                messages.success(request, f"Votre demande a bien été envoyée : dossier n° {help_request.file_number}. "
                                          "Vous recevrez un e-mail dès que nous vous aurons répondu.")
                return redirect("help_request", file_number=help_request.file_number)
    else:
        form = HelpRequestForm(initial=_prefill(request, groups), concern_groups=groups)
    return render(request, "portal/help/request_new.html", {"form": form})


def _filters(request) -> tuple[HelpFilterForm, HelpFilters]:
    form = HelpFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    mine = request.GET.get("vue") == "mes" or request.user.role != Role.ADMINISTRATOR
    return form, HelpFilters(mine=mine, search=data.get("q", ""), status=data.get("statut", ""),
                             subject=data.get("sujet", ""), start=data.get("du"), end=data.get("au"))


@help_page
def help_requests(request):
    """« Récapitulatif de mes demandes »."""
    form, filters = _filters(request)
    rows = help_request_rows_for(user=request.user, filters=filters)
    page = Paginator(rows, ROWS_PER_PAGE).get_page(request.GET.get("page"))
    query = {key: value for key, value in request.GET.items() if key != "page" and value}
    return render(request, "portal/help/requests.html", {
        "form": form, "filters": filters, "page": page, "query": urlencode(query),
        "is_admin": request.user.role == Role.ADMINISTRATOR,
        "all_url": "?" + urlencode({k: v for k, v in query.items() if k != "vue"}),
        "mine_url": "?" + urlencode({**query, "vue": "mes"}),
    })


def _visible(request, file_number: int) -> HelpRequest:
    try:
        return help_request_for(user=request.user, file_number=file_number)
    except HelpRequest.DoesNotExist:
        raise Http404("Demande introuvable.")


@help_page
def help_request(request, file_number: int):
    """A request: its status explained, the conversation, « Répondre » (which reopens it)."""
    help_request = _visible(request, file_number)
    form = HelpReplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            help.help_request_reply(help_request=help_request, by=request.user, message=form.cleaned_data["message"],
                                    attachments=form.cleaned_data["attachments"])
        except ApplicationError as error:
            form_error(form, error)
        else:
            messages.success(request, "Votre message a bien été envoyé à votre conseiller.")
            return redirect("help_request", file_number=file_number)
    return render(request, "portal/help/request.html", {
        "help_request": help_request,
        "conversation": help_conversation(help_request=help_request),
        "explanation": help.STATUS_EXPLANATIONS[help_request.status],
        "concern_url": help.concern_url(help_request),
        "form": form,
    })


@help_page
def help_attachment(request, file_number: int, attachment_id: int):
    """A file of the conversation (never one of an internal note, never another organisation's)."""
    help_request = _visible(request, file_number)
    attachment = get_object_or_404(
        HelpAttachment.objects.select_related("document"), pk=attachment_id, message__help_request=help_request,
        message__kind__in=HELP_PUBLIC_KINDS)
    response = FileResponse(attachment.document.file.open("rb"), content_type=attachment.document.content_type,
                            as_attachment=True, filename=attachment.document.original_name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def faq(request):
    """« Questions fréquentes »: public, searchable."""
    search = search_term(request.GET)
    categories = faq_categories(search=search)
    for category in categories:
        for entry in category.published:
            entry.answer_html = markdown_html(entry.answer)
    return render(request, "portal/help/faq.html", {
        "categories": categories, "search": search,
        "contact_url": reverse("help_request_new"),
    })


def site_page(request, slug: str):
    """A footer page edited in the admin: public."""
    page = get_object_or_404(SitePage, slug=slug)
    return render(request, "portal/help/site_page.html", {"page": page, "body": markdown_html(page.body)})
