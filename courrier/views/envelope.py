"""The envelope page: the draft editor (documents, print options, mode, recipient, sender,
price, « Envoyer ») and, once validated, its detail with the history. Each draft action is a
POST that answers htmx with the editor partial and other browsers with a redirect (or the page
with the form's errors next to their fields)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from courrier import charges, conf, rules, services
from courrier.forms import AddressForm, DateForm, DocumentsForm, NewEnvelopeForm, OptionsForm
from courrier.models import DocumentStatus, Envelope, RecipientSource
from courrier.views.common import courrier_page, envelope_for
from portal import clock
from portal.errors import ApplicationError
from portal.files import document_response
from portal.forms import parse_id
from portal.providers import SANDBOX, sandboxes_allowed
from portal.views import form_error


def _address_form(prefix: str, envelope: Envelope, data=None) -> AddressForm:
    if prefix == "recipient" and envelope.recipient_source == RecipientSource.TYPED:
        initial = AddressForm.initial_from(envelope.recipient_name, envelope.recipient_lines,
                                           envelope.recipient_postal_code, envelope.recipient_city)
    elif prefix == "sender" and envelope.sender_name:
        initial = AddressForm.initial_from(envelope.sender_name, envelope.sender_lines, envelope.sender_postal_code,
                                           envelope.sender_city)
    else:
        initial = {}
    return AddressForm(data, prefix=prefix, initial=initial)


def editor_context(request, envelope: Envelope, **forms) -> dict:
    """Everything the draft editor or the detail page shows."""
    today = clock.business_today()
    documents = list(envelope.documents.select_related("pdf"))
    context = {"envelope": envelope, "documents": documents, "today": today,
               "sandbox": conf.postal_provider_name() == SANDBOX and sandboxes_allowed(),  # its console's link
               "retention_days": rules.CONTENT_RETENTION_DAYS, "draft_retention_days": rules.DRAFT_RETENTION_DAYS}
    if not envelope.is_draft:
        context.update({
            "events": envelope.events.select_related("by"),
            "may_change": envelope.status == "scheduled" and rules.may_change(send_on=envelope.send_on, today=today),
            "date_form": forms.get("date_form") or DateForm(today=today, initial={"send_on": envelope.send_on}),
        })
        return context
    detected = None
    if envelope.mode in rules.WINDOW_MODES and envelope.content_deleted_at is None:
        detected = services.first_document_address(envelope=envelope)
    context.update({
        "documents_form": forms.get("documents_form") or DocumentsForm(),
        "options_form": forms.get("options_form") or OptionsForm(initial={
            "mode": envelope.mode, "colour": envelope.colour, "duplex": envelope.duplex, "staple": envelope.staple}),
        "recipient_form": forms.get("recipient_form") or _address_form("recipient", envelope),
        "sender_form": forms.get("sender_form") or _address_form("sender", envelope),
        "quote": services.envelope_quote(envelope=envelope, on=today, documents=documents),
        "blockers": services.envelope_blockers(envelope, documents),
        "detected": detected,
        "window_mode": envelope.mode in rules.WINDOW_MODES,
        "tracked": envelope.mode in rules.TRACKED_MODES,
        "can_staple": any((d.pages or 0) >= rules.STAPLE_MIN_PAGES for d in documents),
        "stapled": rules.stapled(pages=[d.pages or 0 for d in documents], staple=envelope.staple),
        "converting": any(d.status == DocumentStatus.CONVERTING for d in documents),
        "office": any(d.kind == "office" for d in documents),
        "office_warning": services.OFFICE_WARNING,
        "max_sheets": rules.MAX_SHEETS,
        "promises": rules.DELIVERY_PROMISE,
        "address_prices": charges.address_prices(on=today),
    })
    context["document_rows"] = list(zip(documents, context["stapled"], strict=True))
    return context


def _editor(request, envelope: Envelope, *, status: int = 200, **forms):
    """The editor (htmx partial) or the whole page."""
    envelope.refresh_from_db()
    template = "courrier/envelope.html#editor" if request.htmx else "courrier/envelope.html"
    return render(request, template, editor_context(request, envelope, **forms), status=status)


def _done(request, envelope: Envelope, *, error: ApplicationError | None = None, success: str = ""):
    """After a draft action without a form of its own: the editor again, the error shown."""
    if error is not None:
        if request.htmx:
            messages.error(request, error.message)
            return _editor(request, envelope, status=400)
        messages.error(request, error.message)
    elif success:
        messages.success(request, success)
    if request.htmx:
        return _editor(request, envelope)
    return redirect("courrier:envelope", pk=envelope.pk)


@require_http_methods(["GET", "POST"])
@courrier_page
def new(request):
    """« Nouveau courrier papier »: « Ajouter + » the files and choose the mode."""
    form = NewEnvelopeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            envelope = services.envelope_start(by=request.user, now=clock.local_now(), mode=form.cleaned_data["mode"],
                                               uploads=form.cleaned_data["documents"])
        except ApplicationError as error:
            form_error(form, error)
        else:
            return redirect("courrier:envelope", pk=envelope.pk)
    return render(request, "courrier/new.html", {"form": form, "office_warning": services.OFFICE_WARNING,
                                                 "max_sheets": rules.MAX_SHEETS},
                  status=400 if form.errors else 200)


@require_GET
@courrier_page
def envelope_page(request, pk: int):
    envelope = envelope_for(request, pk)
    if request.htmx and request.GET.get("partial") == "editor" and envelope.is_draft:
        return render(request, "courrier/envelope.html#editor", editor_context(request, envelope))
    return render(request, "courrier/envelope.html", editor_context(request, envelope))


@require_POST
@courrier_page
def documents_add(request, pk: int):
    envelope = envelope_for(request, pk)
    form = DocumentsForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.documents_add(envelope=envelope, uploads=form.cleaned_data["documents"])
        except ApplicationError as error:
            form_error(form, error)
    if form.errors:
        return _editor(request, envelope, status=400, documents_form=form)
    return _done(request, envelope)


@require_POST
@courrier_page
def documents_order(request, pk: int):
    """Drag and drop: the new order, every document id of the draft once."""
    envelope = envelope_for(request, pk)
    order = [parse_id(value) for value in request.POST.getlist("order")]
    if None in order:
        return _done(request, envelope, error=ApplicationError("Ordre illisible : rechargez la page."))
    try:
        services.documents_reorder(envelope=envelope, order=order)
    except ApplicationError as error:
        return _done(request, envelope, error=error)
    return _done(request, envelope)


def _document(envelope: Envelope, document_id: int):
    return get_object_or_404(envelope.documents.select_related("original", "pdf"), pk=document_id)


@require_POST
@courrier_page
def document_move(request, pk: int, document_id: int):
    """« Monter » / « Descendre »."""
    envelope = envelope_for(request, pk)
    try:
        services.document_move(envelope=envelope, document=_document(envelope, document_id),
                               direction=request.POST.get("direction", ""))
    except ApplicationError as error:
        return _done(request, envelope, error=error)
    return _done(request, envelope)


@require_POST
@courrier_page
def document_remove(request, pk: int, document_id: int):
    envelope = envelope_for(request, pk)
    document = _document(envelope, document_id)
    try:
        services.document_remove(envelope=envelope, document=document)
    except ApplicationError as error:
        return _done(request, envelope, error=error)
    return _done(request, envelope, success=f"« {document.name} » est retiré du courrier.")


@require_GET
@courrier_page
def document_pdf(request, pk: int, document_id: int):
    """The PDF version of one document (while the content is kept)."""
    envelope = envelope_for(request, pk)
    document = _document(envelope, document_id)
    if document.pdf is None:
        raise Http404("Ce document n'est pas (ou plus) disponible.")
    return document_response(document.pdf, name=f"{document.name.rsplit('.', 1)[0]}.pdf")


@require_POST
@courrier_page
def options(request, pk: int):
    """Mode d'envoi and « Modalités d'impression »."""
    envelope = envelope_for(request, pk)
    form = OptionsForm(request.POST)
    if form.is_valid():
        try:
            services.envelope_options_set(envelope=envelope, **form.cleaned_data)
        except ApplicationError as error:
            form_error(form, error)
    if form.errors:
        return _editor(request, envelope, status=400, options_form=form)
    return _done(request, envelope)


@require_POST
@courrier_page
def recipient(request, pk: int):
    """« Saisir manuellement l'adresse du destinataire (+0,16 €) »."""
    envelope = envelope_for(request, pk)
    form = _address_form("recipient", envelope, request.POST)
    if form.is_valid():
        try:
            services.envelope_recipient_type(envelope=envelope, address=form.address())
        except ApplicationError as error:
            form_error(form, error)
    if form.errors:
        return _editor(request, envelope, status=400, recipient_form=form)
    return _done(request, envelope)


@require_POST
@courrier_page
def recipient_document(request, pk: int):
    """« Utiliser l'adresse du premier document (-0,10 €) »."""
    envelope = envelope_for(request, pk)
    try:
        services.envelope_recipient_from_document(envelope=envelope)
    except ApplicationError as error:
        return _done(request, envelope, error=error)
    return _done(request, envelope)


@require_POST
@courrier_page
def sender(request, pk: int):
    """The sender, typed or « Utiliser vos coordonnées »."""
    envelope = envelope_for(request, pk)
    if request.POST.get("action") == "own":
        try:
            services.envelope_sender_from_organisation(envelope=envelope)
        except ApplicationError as error:
            return _done(request, envelope, error=error)
        return _done(request, envelope)
    form = _address_form("sender", envelope, request.POST)
    if form.is_valid():
        try:
            services.envelope_sender_set(envelope=envelope, address=form.address())
        except ApplicationError as error:
            form_error(form, error)
    if form.errors:
        return _editor(request, envelope, status=400, sender_form=form)
    return _done(request, envelope)


@require_POST
@courrier_page
def erase(request, pk: int):
    """« Effacer » a draft."""
    envelope = envelope_for(request, pk)
    try:
        services.envelope_erase(envelope=envelope)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("courrier:envelope", pk=envelope.pk)
    messages.success(request, f"Le brouillon #{envelope.number} est effacé.")
    return redirect(reverse("courrier:envelopes"))


# ------------------------------------------------------------------------------- downloads


def _file(stored, filename: str, *, inline: bool = False):
    """Through the portal's one way out (the type detected and stored at upload, nosniff)."""
    if stored is None:
        raise Http404("Ce fichier n'est pas (ou plus) disponible.")
    return document_response(stored, name=filename, inline=inline)


@require_GET
@courrier_page
def print_pdf(request, pk: int):
    """« Voir le courrier envoyé »: the exact print-ready PDF (until its content is deleted)."""
    envelope = envelope_for(request, pk)
    envelope = Envelope.objects.select_related("print_document").get(pk=envelope.pk)
    return _file(envelope.print_document, f"Courrier_{envelope.number}.pdf",
                 inline=request.GET.get("voir") == "1")


@require_GET
@courrier_page
def preview(request, pk: int, page: int):
    """One page image of the print visual."""
    envelope = envelope_for(request, pk)
    shown = envelope.previews.select_related("image").filter(page=page).first()
    return _file(shown.image if shown else None, f"Courrier_{envelope.number}_page_{page}.png",
                 inline=True)


@require_GET
@courrier_page
def proof(request, pk: int, kind: str):
    """La Poste's deposit proof or acknowledgement of receipt (kept after the content)."""
    envelope = envelope_for(request, pk)
    envelope = Envelope.objects.select_related("deposit_proof", "acknowledgement").get(pk=envelope.pk)
    if kind == "depot":
        return _file(envelope.deposit_proof, f"Preuve_de_depot_{envelope.number}.pdf")
    if kind == "accuse-de-reception":
        return _file(envelope.acknowledgement, f"Accuse_de_reception_{envelope.number}.pdf")
    raise Http404
