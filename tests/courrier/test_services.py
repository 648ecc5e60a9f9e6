"""Drafts, documents, price, validation with its debit, date change and cancellation."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage

from billing.models import EntryKind, LedgerEntry
from courrier import services
from courrier.models import DocumentStatus, Envelope, EventType, RecipientSource, Status
from courrier.rules import AddressInput
from portal import clock
from portal.errors import ApplicationError, PermissionDeniedError
from tests.courrier.conftest import RECIPIENT, letter_pdf, odt_bytes, pdf_upload, png_bytes, upload

pytestmark = pytest.mark.django_db


def now():
    return clock.local_now()


# ---------------------------------------------------------------------------------- drafts


def test_a_draft_belongs_to_the_creator_s_organisation(admin_user, courrier_collaborator):
    envelope = services.envelope_create(by=courrier_collaborator, now=now())
    assert envelope.organisation == admin_user.organisation and envelope.created_by == courrier_collaborator
    assert envelope.status == Status.DRAFT and envelope.colour and envelope.duplex and not envelope.staple
    assert [e.type for e in envelope.events.all()] == [EventType.CREATED]
    assert int(envelope.number) > 400_000


def test_only_users_with_the_courrier_area_create_drafts(collaborator, accounting_user):
    for user in (collaborator, accounting_user):
        with pytest.raises(PermissionDeniedError):
            services.envelope_create(by=user, now=now())
    assert not Envelope.objects.exists()


# ------------------------------------------------------------------------------- documents


def test_pdfs_and_images_are_processed_in_the_request_in_order(admin_user):
    envelope = services.envelope_create(by=admin_user, now=now())
    documents = services.documents_add(envelope=envelope, uploads=[
        pdf_upload("lettre.pdf", pages=3), upload("scan.png", png_bytes(), "image/png")])
    assert [(d.name, d.kind, d.pages, d.status, d.position) for d in envelope.documents.all()] == [
        ("lettre.pdf", "pdf", 3, DocumentStatus.READY, 1), ("scan.png", "image", 1, DocumentStatus.READY, 2)]
    for document in documents:
        assert document.original.sha256 and document.pdf.content_type == "application/pdf"
        assert default_storage.exists(document.pdf.file.name)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("lettre.pdf", b"Ceci n'est pas un PDF, seulement du texte.", "son contenu ne correspond pas"),
    ("vide.pdf", b"", "vide"),
    ("casse.pdf", b"%PDF-1.4\n1 0 obj<<>>\nceci est tronqu", "illisible"),
])
def test_bad_files_are_refused_and_nothing_is_added(admin_user, name, content, message):
    envelope = services.envelope_create(by=admin_user, now=now())
    with pytest.raises(ApplicationError, match=message) as error:
        services.documents_add(envelope=envelope, uploads=[pdf_upload("bon.pdf"), upload(name, content)])
    assert error.value.field == "documents"
    assert not envelope.documents.exists()


def test_a_password_protected_pdf_is_refused(admin_user):
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(letter_pdf(1))))
    writer.encrypt("secret")
    buffer = io.BytesIO()
    writer.write(buffer)
    envelope = services.envelope_create(by=admin_user, now=now())
    with pytest.raises(ApplicationError, match="mot de passe"):
        services.documents_add(envelope=envelope, uploads=[upload("protege.pdf", buffer.getvalue())])
    assert not envelope.documents.exists()


def test_files_over_10_mo_are_refused(admin_user):
    envelope = services.envelope_create(by=admin_user, now=now())
    big = letter_pdf(1) + b"%" + b"x" * (10 * 1024 * 1024)
    with pytest.raises(ApplicationError, match="10 Mo"):
        services.documents_add(envelope=envelope, uploads=[upload("gros.pdf", big)])
    assert not envelope.documents.exists()


def test_an_envelope_holds_at_most_95_sheets(admin_user):
    envelope = services.envelope_create(by=admin_user, now=now(), duplex=False)
    services.documents_add(envelope=envelope, uploads=[pdf_upload("a.pdf", pages=60)])
    with pytest.raises(ApplicationError, match="95 feuilles"):
        services.documents_add(envelope=envelope, uploads=[pdf_upload("b.pdf", pages=36)])
    assert envelope.documents.count() == 1
    services.documents_add(envelope=envelope, uploads=[pdf_upload("b.pdf", pages=35)])  # 95 sheets, no address page yet
    # a typed recipient adds the address page: 96 sheets, validation is refused
    services.envelope_recipient_type(envelope=envelope, address=RECIPIENT)
    with pytest.raises(ApplicationError, match="95 feuilles"):
        services.sending_plan(envelope=envelope, send_on=None, now=now(), calendar=clock.business_calendar())


def test_office_files_are_converted_by_a_task_after_commit(admin_user, django_capture_on_commit_callbacks):
    envelope = services.envelope_create(by=admin_user, now=now())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        [document] = services.documents_add(envelope=envelope, uploads=[upload("lettre.odt", odt_bytes())])
    assert document.kind == "office" and document.status == DocumentStatus.CONVERTING and document.pdf is None
    assert len(callbacks) == 1  # document_convert_task.delay, once committed
    assert services.envelope_blockers(envelope)[0][1].endswith("en cours de conversion : patientez quelques instants.")
    # The task's body: LibreOffice, then the PDF stored; a second run does nothing.
    assert services.document_convert(document_id=document.pk)
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY and document.pages == 1
    assert document.pdf.content_type == "application/pdf"
    assert not services.document_convert(document_id=document.pk)


def test_a_conversion_that_times_out_fails_with_a_clear_message(admin_user):
    envelope = services.envelope_create(by=admin_user, now=now())
    [document] = services.documents_add(envelope=envelope, uploads=[upload("lettre.odt", odt_bytes())])
    assert not services.document_convert(document_id=document.pk, timeout=0.01)
    document.refresh_from_db()
    assert document.status == DocumentStatus.FAILED and "délai" in document.error
    assert "n'a pas pu être converti" in services.envelope_blockers(envelope)[0][1]


def test_reorder_move_and_remove(admin_user, django_capture_on_commit_callbacks):
    envelope = services.envelope_create(by=admin_user, now=now())
    a, b, c = services.documents_add(envelope=envelope, uploads=[pdf_upload("a.pdf"), pdf_upload("b.pdf", 2),
                                                                 pdf_upload("c.pdf", 3)])
    services.documents_reorder(envelope=envelope, order=[c.pk, a.pk, b.pk])
    assert list(envelope.documents.values_list("name", flat=True)) == ["c.pdf", "a.pdf", "b.pdf"]
    services.document_move(envelope=envelope, document=b, direction="up")
    assert list(envelope.documents.values_list("name", flat=True)) == ["c.pdf", "b.pdf", "a.pdf"]
    services.document_move(envelope=envelope, document=c, direction="up")  # already first: unchanged
    assert list(envelope.documents.values_list("name", flat=True)) == ["c.pdf", "b.pdf", "a.pdf"]
    files = [b.original.file.name]
    with django_capture_on_commit_callbacks(execute=True):  # files leave the storage once committed
        services.document_remove(envelope=envelope, document=b)
    assert list(envelope.documents.values_list("name", "position")) == [("c.pdf", 1), ("a.pdf", 2)]
    assert not default_storage.exists(files[0])
    with pytest.raises(ApplicationError, match="ne correspond pas"):
        services.documents_reorder(envelope=envelope, order=[a.pk, a.pk])
    with pytest.raises(ApplicationError, match="ne correspond pas"):
        services.documents_reorder(envelope=envelope, order=[a.pk, c.pk, 999_999])


# ------------------------------------------------------------------------------- addresses


def test_the_recipient_read_in_the_window_follows_the_first_document(admin_user):
    envelope = services.envelope_create(by=admin_user, now=now(), mode="ecopli")
    with_address, without = services.documents_add(envelope=envelope, uploads=[
        pdf_upload("courrier.pdf"), pdf_upload("annexe.pdf", address=False)])
    services.envelope_recipient_from_document(envelope=envelope)
    envelope.refresh_from_db()
    assert envelope.recipient_source == RecipientSource.DOCUMENT
    assert envelope.recipient_address_lines == ["Mr DUPONT Jean", "1 Rue de la République", "38000 GRENOBLE"]
    services.documents_reorder(envelope=envelope, order=[without.pk, with_address.pk])
    envelope.refresh_from_db()
    assert envelope.recipient_name == "" and envelope.recipient_source == RecipientSource.DOCUMENT
    assert "Aucune adresse n'a été détectée" in services.envelope_blockers(envelope)[0][1]
    services.documents_reorder(envelope=envelope, order=[with_address.pk, without.pk])
    envelope.refresh_from_db()
    assert envelope.recipient_name == "Mr DUPONT Jean"


def test_no_address_in_the_window_means_typing_it(admin_user):
    envelope = services.envelope_create(by=admin_user, now=now())
    services.documents_add(envelope=envelope, uploads=[pdf_upload("annexe.pdf", address=False)])
    with pytest.raises(ApplicationError, match="Aucune adresse"):
        services.envelope_recipient_from_document(envelope=envelope)


def test_tracked_modes_need_a_typed_recipient_and_a_sender(admin_user):
    envelope = services.envelope_create(by=admin_user, now=now(), mode="lettre_verte")
    services.documents_add(envelope=envelope, uploads=[pdf_upload()])
    services.envelope_recipient_from_document(envelope=envelope)
    services.envelope_options_set(envelope=envelope, mode="recommande_ar", colour=True, duplex=True, staple=False)
    envelope.refresh_from_db()
    assert envelope.recipient_source == RecipientSource.NONE and envelope.recipient_name == ""
    with pytest.raises(ApplicationError, match="saisissez l'adresse"):
        services.envelope_recipient_from_document(envelope=envelope)
    services.envelope_recipient_type(envelope=envelope, address=RECIPIENT)
    assert [field for field, _ in services.envelope_blockers(envelope)] == ["sender"]
    services.envelope_sender_from_organisation(envelope=envelope)  # « Utiliser vos coordonnées »
    envelope.refresh_from_db()
    assert envelope.sender_address_lines == ["Cabinet Un", "1 rue des Fleurs", "38000 GRENOBLE"]
    assert services.envelope_blockers(envelope) == []


@pytest.mark.parametrize(("change", "field"), [
    ({"address_lines": ("x" * 39,)}, "recipient_address_lines"),
    ({"address_lines": ("a", "b", "c", "d", "e")}, "recipient_address_lines"),
    ({"postal_code": "3800"}, "recipient_postal_code"),
    ({"name": ""}, "recipient_name"),
])
def test_bad_addresses_are_refused_and_change_nothing(admin_user, change, field):
    envelope = services.envelope_create(by=admin_user, now=now())
    with pytest.raises(ApplicationError) as error:
        services.envelope_recipient_type(envelope=envelope, address=AddressInput(**{**RECIPIENT.__dict__, **change}))
    assert error.value.field == field
    envelope.refresh_from_db()
    assert envelope.recipient_source == "" and envelope.recipient_name == ""


# ----------------------------------------------------------------------------------- price


def _expected(mode, sheets, *, typed):
    from billing.selectors import prices_on

    prices = prices_on(products=[f"paper_mail_{mode}", "paper_mail_extra_sheet", "address_page", "first_page_address"],
                       on=clock.business_today())
    return (prices[f"paper_mail_{mode}"] + (sheets - 1) * prices["paper_mail_extra_sheet"]
            + (prices["address_page"] if typed else prices["first_page_address"]))


@pytest.mark.parametrize("mode", ["ecopli", "lettre_verte", "lettre_suivie", "recommande", "recommande_ar"])
@pytest.mark.parametrize("duplex", [True, False])
def test_sheets_and_price_of_each_mode(admin_user, make_envelope, mode, duplex):
    uploads = [pdf_upload("a.pdf", pages=3), pdf_upload("b.pdf", pages=1)]
    typed = make_envelope(admin_user, uploads=uploads, mode=mode, recipient="typed", duplex=duplex)
    quote = services.envelope_quote(envelope=typed, on=clock.business_today())
    sheets = (2 + 1 if duplex else 3 + 1) + 1  # documents + the address page
    assert (quote.pages, quote.sheets, quote.address_page) == (5, sheets, True)
    assert quote.total == _expected(mode, sheets, typed=True)
    if mode in ("ecopli", "lettre_verte"):
        uploads = [pdf_upload("a.pdf", pages=3), pdf_upload("b.pdf", pages=1)]
        read = make_envelope(admin_user, uploads=uploads, mode=mode, recipient="document", duplex=duplex)
        quote = services.envelope_quote(envelope=read, on=clock.business_today())
        assert (quote.sheets, quote.address_page) == (sheets - 1, False)
        assert quote.total == _expected(mode, sheets - 1, typed=False)


def test_the_seed_figure_lettre_verte_one_sheet(admin_user, make_envelope):
    """Seed §8.5: a one-sheet Lettre verte: 1,14 € for the sheet (billing's price list)."""
    envelope = make_envelope(admin_user, mode="lettre_verte", recipient="document")
    quote = services.envelope_quote(envelope=envelope, on=clock.business_today())
    sheet = next(line for line in quote.price.lines if line.label.startswith("Courrier papier Lettre verte"))
    assert quote.sheets == 1 and sheet.amount == Decimal("1.14")


# ------------------------------------------------------------------------------ validation


def test_send_now_debits_the_accepted_price_once(admin_user, make_envelope, funded, balance, send):
    funded(admin_user.organisation)
    envelope = make_envelope(admin_user)
    quote = services.envelope_quote(envelope=envelope, on=clock.business_today())
    sent = send(envelope, admin_user)
    assert sent.status == Status.SCHEDULED and sent.send_on is None
    assert sent.handover_date == date(2026, 3, 2)  # Monday 10:00: today
    assert sent.price == quote.total and sent.sheets == quote.sheets
    assert sent.print_document and sent.previews.count() == sent.print_pages
    assert balance(admin_user.organisation) == Decimal("50.00") - quote.total
    # A double click: the same envelope, no second debit.
    again = send(Envelope.objects.get(pk=envelope.pk), admin_user)
    assert again.pk == envelope.pk and again.debit_entry_id == sent.debit_entry_id
    assert LedgerEntry.objects.filter(kind=EntryKind.DEBIT).count() == 1
    assert balance(admin_user.organisation) == Decimal("50.00") - quote.total
    validated = sent.events.get(type=EventType.VALIDATED)
    assert "Envoyer maintenant" in validated.detail and "02/03/2026" in validated.detail


def test_after_10_30_the_envelope_leaves_on_the_next_business_day(admin_user, make_envelope, funded, send, set_now):
    funded(admin_user.organisation)
    set_now("2026-03-06T10:30")  # a Friday
    sent = send(make_envelope(admin_user), admin_user)
    assert sent.handover_date == date(2026, 3, 9)


def test_a_price_that_changed_is_refused_and_nothing_is_debited(admin_user, make_envelope, funded, balance):
    funded(admin_user.organisation)
    envelope = make_envelope(admin_user)
    quote = services.envelope_quote(envelope=envelope, on=clock.business_today())
    with pytest.raises(ApplicationError, match="Le prix a changé") as error:
        services.envelope_send(envelope=envelope, by=admin_user, accepted_price=quote.total - Decimal("0.18"),
                               send_on=None, now=now(), calendar=clock.business_calendar())
    assert error.value.field == "accepted_price"
    envelope.refresh_from_db()
    assert envelope.status == Status.DRAFT and envelope.debit_entry_id is None
    assert balance(admin_user.organisation) == Decimal("50.00")


def test_a_hand_over_date_that_changed_since_the_screen_is_refused(admin_user, make_envelope, funded, set_now):
    funded(admin_user.organisation)
    envelope = make_envelope(admin_user)
    quote = services.envelope_quote(envelope=envelope, on=clock.business_today())
    set_now("2026-03-02T10:31")  # the screen said today; it is now past 10:30
    with pytest.raises(ApplicationError, match="maintenant le 03/03/2026"):
        services.envelope_send(envelope=envelope, by=admin_user, accepted_price=quote.total, send_on=None,
                               now=now(), calendar=clock.business_calendar(),
                               accepted_handover_date=date(2026, 3, 2))
    assert Envelope.objects.get(pk=envelope.pk).status == Status.DRAFT


def test_insufficient_credit_sends_nothing(admin_user, make_envelope, send):
    from billing.services import price_list_install_defaults

    price_list_install_defaults()
    envelope = make_envelope(admin_user)
    with pytest.raises(ApplicationError, match="Crédit insuffisant") as error:
        send(envelope, admin_user)
    assert error.value.code == "insufficient_credit"
    envelope.refresh_from_db()
    assert envelope.status == Status.DRAFT and envelope.debit_entry_id is None
    assert not LedgerEntry.objects.filter(kind=EntryKind.DEBIT).exists()


@pytest.mark.parametrize("days", [0, -1])
def test_scheduling_today_or_in_the_past_is_refused(admin_user, make_envelope, funded, send, days):
    funded(admin_user.organisation)
    envelope = make_envelope(admin_user)
    with pytest.raises(ApplicationError, match="au plus tôt demain") as error:
        send(envelope, admin_user, send_on=clock.business_today() + timedelta(days=days))
    assert error.value.field == "send_on"
    assert Envelope.objects.get(pk=envelope.pk).status == Status.DRAFT


def test_a_scheduled_saturday_leaves_on_monday(admin_user, make_envelope, funded, send):
    funded(admin_user.organisation)
    sent = send(make_envelope(admin_user), admin_user, send_on=date(2026, 3, 7))
    assert (sent.send_on, sent.handover_date) == (date(2026, 3, 7), date(2026, 3, 9))


def test_content_never_changes_after_validation(admin_user, make_envelope, funded, send):
    funded(admin_user.organisation)
    sent = send(make_envelope(admin_user), admin_user, send_on=date(2026, 3, 10))
    document = sent.documents.first()
    attempts = [
        lambda: services.documents_add(envelope=sent, uploads=[pdf_upload()]),
        lambda: services.document_remove(envelope=sent, document=document),
        lambda: services.documents_reorder(envelope=sent, order=[document.pk]),
        lambda: services.envelope_options_set(envelope=sent, mode="ecopli", colour=False, duplex=False, staple=True),
        lambda: services.envelope_recipient_type(envelope=sent, address=RECIPIENT),
        lambda: services.envelope_erase(envelope=sent),
    ]
    for attempt in attempts:
        with pytest.raises(ApplicationError, match="ne peut plus être modifié"):
            attempt()
    sent.refresh_from_db()
    assert sent.documents.count() == 1 and sent.mode == "lettre_verte" and sent.status == Status.SCHEDULED


# ------------------------------------------------------------------------ change and cancel


def test_reschedule_until_the_eve(admin_user, make_envelope, funded, send, set_today):
    funded(admin_user.organisation)
    sent = send(make_envelope(admin_user), admin_user, send_on=date(2026, 3, 10))
    moved = services.envelope_reschedule(envelope=sent, send_on=date(2026, 3, 14), by=admin_user, now=now(),
                                         calendar=clock.business_calendar())
    assert (moved.send_on, moved.handover_date) == (date(2026, 3, 14), date(2026, 3, 16))
    assert moved.events.filter(type=EventType.RESCHEDULED).count() == 1
    with pytest.raises(ApplicationError, match="au plus tôt demain"):
        services.envelope_reschedule(envelope=moved, send_on=date(2026, 3, 2), by=admin_user, now=now(),
                                     calendar=clock.business_calendar())
    set_today("2026-03-14")  # the scheduled day itself: too late
    with pytest.raises(ApplicationError, match="jusqu'à la veille"):
        services.envelope_reschedule(envelope=moved, send_on=date(2026, 3, 20), by=admin_user, now=now(),
                                     calendar=clock.business_calendar())
    assert Envelope.objects.get(pk=sent.pk).send_on == date(2026, 3, 14)


def test_cancel_until_the_eve_is_refunded(admin_user, make_envelope, funded, balance, send, set_today):
    funded(admin_user.organisation)
    sent = send(make_envelope(admin_user), admin_user, send_on=date(2026, 3, 10))
    set_today("2026-03-09")
    cancelled = services.envelope_cancel(envelope=sent, by=admin_user, now=now())
    assert cancelled.status == Status.CANCELLED and cancelled.refund_entry_id
    assert balance(admin_user.organisation) == Decimal("50.00")
    with pytest.raises(ApplicationError, match="ne peut plus"):
        services.envelope_cancel(envelope=cancelled, by=admin_user, now=now())
    assert LedgerEntry.objects.filter(kind=EntryKind.REFUND).count() == 1


def test_cancel_on_the_scheduled_day_or_after_send_now_is_refused(admin_user, make_envelope, funded, balance, send,
                                                                   set_today):
    funded(admin_user.organisation)
    now_sent = send(make_envelope(admin_user), admin_user)
    scheduled = send(make_envelope(admin_user), admin_user, send_on=date(2026, 3, 10))
    paid = balance(admin_user.organisation)
    with pytest.raises(ApplicationError, match="jamais après « Envoyer maintenant »"):
        services.envelope_cancel(envelope=now_sent, by=admin_user, now=now())
    set_today("2026-03-10")
    with pytest.raises(ApplicationError, match="jusqu'à la veille"):
        services.envelope_cancel(envelope=scheduled, by=admin_user, now=now())
    assert balance(admin_user.organisation) == paid
    assert set(Envelope.objects.values_list("status", flat=True)) == {Status.SCHEDULED}


def test_erase_a_draft_with_its_files(admin_user, make_envelope, django_capture_on_commit_callbacks):
    envelope = make_envelope(admin_user)
    services.envelope_prepare(envelope=envelope)
    envelope.refresh_from_db()
    names = [envelope.print_document.file.name, *[d.original.file.name for d in envelope.documents.all()]]
    assert all(default_storage.exists(name) for name in names)
    with django_capture_on_commit_callbacks(execute=True):
        services.envelope_erase(envelope=envelope)
    assert not Envelope.objects.filter(pk=envelope.pk).exists()
    assert not any(default_storage.exists(name) for name in names)


def test_a_new_envelope_with_a_refused_file_creates_nothing(admin_user):
    with pytest.raises(ApplicationError, match="son contenu ne correspond pas"):
        services.envelope_start(by=admin_user, now=now(), mode="ecopli",
                                uploads=[pdf_upload(), upload("faux.pdf", b"texte")])
    assert not Envelope.objects.exists()
    envelope = services.envelope_start(by=admin_user, now=now(), mode="ecopli", uploads=[pdf_upload()])
    assert envelope.mode == "ecopli" and envelope.documents.count() == 1
    assert services.first_document_address(envelope=envelope)["postal_code"] == "38000"
