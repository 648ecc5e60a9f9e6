"""Every résiliation URL × every role × another organisation (SPEC §2).

Letters: an organisation administrator sees all the organisation's letters; a collaborator
with the résiliation area sees the letters they manage (« Géré par »); a collaborator without
the area, accounting staff and the other organisation's administrator never see them (403
for the area, 404 for a row). Signed links and webhooks need no login but a valid token or
HMAC signature.
"""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from portal.models import Area
from resiliation import notify, sending, services
from resiliation.providers.sandbox import SandboxSignatureProvider, sign_token
from tests.access import ALLOWED, assert_statuses, status_of
from tests.resiliation.conftest import PDF_BYTES, pdf_upload

COVERED_URL_NAMES = {
    "resiliation:letters", "resiliation:export", "resiliation:new", "resiliation:new_insurer",
    "resiliation:new_type", "resiliation:new_contract", "resiliation:insurer_search", "resiliation:insurer_request",
    "resiliation:letter", "resiliation:preview", "resiliation:mandate_pdf", "resiliation:document",
    "resiliation:subscriber_edit", "resiliation:contract_add_type", "resiliation:contract_add",
    "resiliation:contract_remove", "resiliation:contract_edit", "resiliation:free_text", "resiliation:old_manager", "resiliation:attachment_add",
    "resiliation:attachment_remove", "resiliation:manager", "resiliation:trash", "resiliation:restore",
    "resiliation:sender_mode", "resiliation:mandate", "resiliation:finalise", "resiliation:esign",
    "resiliation:cancel", "resiliation:reschedule", "resiliation:orias", "resiliation:identity",
    "resiliation:identity_verify", "resiliation:sign", "resiliation:sign_document", "resiliation:public_document",
    "resiliation:webhook", "resiliation:sandbox_mail",
}

# URL name → (method, needs a letter row, extra POST data)
ROW_URLS = {
    "resiliation:letter": ("get", {}), "resiliation:preview": ("get", {}), "resiliation:mandate_pdf": ("get", {}),
    "resiliation:document": ("get", {}), "resiliation:subscriber_edit": ("get", {}),
    "resiliation:contract_add_type": ("get", {}), "resiliation:contract_add": ("get", {}),
    "resiliation:contract_remove": ("post", {}), "resiliation:contract_edit": ("get", {}), "resiliation:free_text": ("post", {"free_text": "Merci"}),
    "resiliation:old_manager": ("post", {"email": "gerant@maaf.test"}), "resiliation:attachment_add": ("post", {}),
    "resiliation:attachment_remove": ("post", {}), "resiliation:manager": ("post", {}),
    "resiliation:trash": ("post", {}), "resiliation:restore": ("post", {}),
    "resiliation:sender_mode": ("post", {"sender_mode": "platform"}), "resiliation:mandate": ("get", {}),
    "resiliation:finalise": ("get", {}), "resiliation:esign": ("get", {}), "resiliation:cancel": ("post", {}),
    "resiliation:reschedule": ("post", {"send_date": "2026-03-10"}), "resiliation:sandbox_mail": ("get", {}),
}
AREA_URLS = {
    "resiliation:letters": ("get", {}), "resiliation:export": ("get", {}), "resiliation:new": ("get", {}),
    "resiliation:new_insurer": ("get", {}), "resiliation:new_type": ("get", {}),
    "resiliation:new_contract": ("get", {}), "resiliation:insurer_search": ("get", {"q": "maa"}),
    "resiliation:insurer_request": ("get", {}), "resiliation:orias": ("get", {}),
    "resiliation:identity": ("get", {}), "resiliation:identity_verify": ("get", {}),
}


@pytest.fixture
def world(admin_user, resiliation_collaborator, other_admin, accounting_user, make_letter, db):
    from portal import services as portal_services
    from portal.models import Role

    plain = portal_services.user_create(email="plain@un.test", password="x" * 12, role=Role.COLLABORATOR,
                                        organisation=admin_user.organisation)
    letter = make_letter(admin_user)  # managed by the administrator
    attachment = services.letter_attachment_add(letter=letter, upload=pdf_upload("piece.pdf"))
    mine = make_letter(admin_user, reference="COLLAB")
    services.letter_manager_set(letter=mine, manager=resiliation_collaborator, by=admin_user)
    return {"letter": letter, "attachment": attachment, "mine": mine, "plain": plain}


def row_url(name, letter, attachment=None):
    kwargs = {"pk": letter.pk}
    if name == "resiliation:document":
        kwargs["document_id"] = (attachment or letter.attachments.first()).document_id
    if name == "resiliation:contract_add":
        kwargs["type_code"] = "auto"
    if name in ("resiliation:contract_remove", "resiliation:contract_edit"):
        kwargs["contract_id"] = letter.contracts.first().pk
    if name == "resiliation:attachment_remove":
        kwargs["attachment_id"] = (attachment or letter.attachments.first()).pk
    return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize("name", sorted(ROW_URLS))
def test_letter_rows(name, world, client_for, admin_user, resiliation_collaborator, other_admin, accounting_user):
    method, data = ROW_URLS[name]
    if name == "resiliation:manager":
        data = {"managed_by": admin_user.pk}
    letter, mine = world["letter"], world["mine"]
    if name in ("resiliation:document", "resiliation:attachment_remove"):
        services.letter_attachment_add(letter=mine, upload=pdf_upload("piece2.pdf"))
    url = row_url(name, letter, world["attachment"])
    results = [
        ("anonyme", status_of(client_for(None), method, url, data), {302}),
        ("collaborateur sans l'espace", status_of(client_for(world["plain"]), method, url, data), {403}),
        ("comptabilité", status_of(client_for(accounting_user), method, url, data), {403}),
        ("administrateur d'un autre cabinet", status_of(client_for(other_admin), method, url, data), {404}),
        ("collaborateur, lettre gérée par un autre", status_of(client_for(resiliation_collaborator), method, url, data),
         {404}),
        ("collaborateur, sa lettre", status_of(client_for(resiliation_collaborator), method, row_url(name, mine), data),
         ALLOWED),
        ("administrateur du cabinet", status_of(client_for(admin_user), method, url, data), ALLOWED),
    ]
    assert_statuses(results)


@pytest.mark.parametrize("name", sorted(AREA_URLS))
def test_area_pages(name, world, client_for, admin_user, resiliation_collaborator, other_admin, accounting_user):
    method, data = AREA_URLS[name]
    url = reverse(name, kwargs={"type_code": "auto"} if name == "resiliation:new_contract" else None)
    results = [
        ("anonyme", status_of(client_for(None), method, url, data), {302}),
        ("collaborateur sans l'espace", status_of(client_for(world["plain"]), method, url, data), {403}),
        ("comptabilité", status_of(client_for(accounting_user), method, url, data), {403}),
        ("collaborateur avec l'espace", status_of(client_for(resiliation_collaborator), method, url, data), ALLOWED),
        ("administrateur d'un autre cabinet", status_of(client_for(other_admin), method, url, data), ALLOWED),
        ("administrateur du cabinet", status_of(client_for(admin_user), method, url, data), ALLOWED),
    ]
    assert_statuses(results)


def test_lists_and_exports_never_show_other_rows(world, client_for, other_admin, resiliation_collaborator):
    letter, mine = world["letter"], world["mine"]
    foreign = client_for(other_admin).get("/resiliations/").content.decode()
    assert f">{letter.pk}</a>" not in foreign and f">{mine.pk}</a>" not in foreign
    own = client_for(resiliation_collaborator).get("/resiliations/").content.decode()
    assert f">{mine.pk}</a>" in own and f">{letter.pk}</a>" not in own
    export = b"".join(client_for(other_admin).get("/resiliations/export.xlsx").streaming_content)
    from io import BytesIO

    from openpyxl import load_workbook

    assert len(list(load_workbook(BytesIO(export)).active.values)) == 1  # headers only
    again = client_for(other_admin).get(f"/resiliations/nouvelle/?depuis={letter.pk}")
    assert again.status_code == 404


def test_documents_of_another_letter_are_not_served_through_mine(world, client_for, resiliation_collaborator):
    url = reverse("resiliation:document", kwargs={"pk": world["mine"].pk,
                                                  "document_id": world["attachment"].document_id})
    assert client_for(resiliation_collaborator).get(url).status_code == 404


def test_signed_links_and_webhooks(client_for, admin_user, other_admin):
    start = SandboxSignatureProvider().signature_start(
        document=PDF_BYTES, document_name="m.pdf", signer_name="Dupont Jean", email="j@client.test",
        mobile_phone="0612345678", expires_at=timezone.now() + timedelta(days=1))
    token = sign_token(start.reference)
    results = []
    for label, user in (("anonyme", None), ("administrateur", admin_user), ("autre cabinet", other_admin)):
        client = client_for(user)
        results += [
            (f"{label}: page de signature", status_of(client, "get", reverse("resiliation:sign", args=[token])), {200}),
            (f"{label}: mandat à signer",
             status_of(client, "get", reverse("resiliation:sign_document", args=[token])), {200}),
            (f"{label}: lien forgé", status_of(client, "get", reverse("resiliation:sign", args=[token + "x"])), {404}),
            (f"{label}: mandat, lien forgé",
             status_of(client, "get", reverse("resiliation:sign_document", args=["abc"])), {404}),
            (f"{label}: webhook non signé",
             status_of(client, "post", reverse("resiliation:webhook", args=["signature"])), {400}),
            (f"{label}: webhook inconnu",
             status_of(client, "post", reverse("resiliation:webhook", args=["autre"])), {404}),
            (f"{label}: document, lien forgé",
             status_of(client, "get", reverse("resiliation:public_document", args=["forged"])), {404}),
        ]
    assert_statuses(results)


def test_public_document_link(admin_user, make_letter, orias_on_file, funded, client_for):
    orias_on_file(admin_user)
    funded(admin_user.organisation)
    letter = make_letter(admin_user)
    sending.letter_mandate_choose(letter=letter, choice="not_attached", today=date(2026, 3, 2), confirmed=True)
    now = datetime(2026, 3, 2, 9, tzinfo=ZoneInfo("Europe/Paris"))
    sending.letter_confirm(letter=letter, by=admin_user, with_acknowledgement=False, start=None, send=now.date(),
                           dates_confirmed=True, now=now)
    sending.letter_dispatch(letter_id=letter.pk, now=now)
    letter.refresh_from_db()
    url = notify.public_document_url(letter=letter, document=letter.sent_document)
    path = url[url.index("/resiliations"):]
    assert client_for(None).get(path).status_code == 200
    # a valid token for a document that is not one of the letter's public documents
    other = services.letter_attachment_add(letter=make_letter(admin_user), upload=pdf_upload())
    token = signing.dumps([letter.pk, other.document_id], salt=notify.DOCUMENT_SALT)
    assert client_for(None).get(reverse("resiliation:public_document", args=[token])).status_code == 404


def test_area_granted_by_delegation_profile(collaborator, delegate, client_for):
    assert client_for(collaborator).get("/resiliations/").status_code == 403
    delegate(collaborator, [], areas=(Area.RESILIATION,))
    assert client_for(collaborator).get("/resiliations/").status_code == 200
