"""Every résiliation URL × every role × another organisation (SPEC §2).

Letters: an organisation administrator sees all the organisation's letters; a collaborator
with the résiliation area sees the letters they manage (« Géré par »); a collaborator without
the area, accounting staff and the other organisation's administrator never see them (403
for the area, 404 for a row). Signed links and webhooks need no login but a valid token or
HMAC signature.
"""

from datetime import date, datetime, timedelta
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.contrib import messages
from django.contrib.messages import get_messages
from django.core import signing
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils import timezone

from portal import clock
from portal.models import Area
from resiliation import emails, services
from resiliation.sandbox.provider import SandboxSignatureProvider, sign_token
from tests.access import assert_statuses, status_of
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

LETTER = "302 /resiliations/{pk}/"  # done, back to the letter page

# URL name → (method, POST data (callables: a fresh value per request), outcome of a user who may
# act on the letter: status, and for a redirect its Location — « refusé » when the page comes
# back with an error message, so a refused POST never passes for a done one).
ROW_URLS = {
    "resiliation:letter": ("get", {}, "200"), "resiliation:preview": ("get", {}, "200"),
    "resiliation:mandate_pdf": ("get", {}, "200"), "resiliation:document": ("get", {}, "200"),
    "resiliation:subscriber_edit": ("get", {}, "200"), "resiliation:contract_add_type": ("get", {}, "200"),
    "resiliation:contract_add": ("get", {}, "200"), "resiliation:contract_remove": ("post", {}, LETTER),
    "resiliation:contract_edit": ("get", {}, "200"),
    "resiliation:free_text": ("post", {"free_text": "Merci"}, LETTER),
    "resiliation:old_manager": ("post", {"email": "gerant@maaf.test"}, LETTER),
    "resiliation:attachment_add": ("post", {"file": lambda: pdf_upload("piece3.pdf")}, LETTER),
    "resiliation:attachment_remove": ("post", {}, LETTER),
    "resiliation:manager": ("post", {}, LETTER),
    "resiliation:trash": ("post", {}, "302 /resiliations/"),
    "resiliation:restore": ("post", {}, "302 /resiliations/?dossier=trash"),
    "resiliation:sender_mode": ("post", {"sender_mode": "platform"}, LETTER),
    "resiliation:mandate": ("get", {}, "200"), "resiliation:finalise": ("get", {}, "200"),
    "resiliation:esign": ("get", {}, "200"), "resiliation:cancel": ("post", {}, LETTER),
    "resiliation:reschedule": ("post", {"send_date": "2026-03-10"}, LETTER),
    "resiliation:sandbox_mail": ("get", {}, "200"),
}
# A collaborator acting on the letter they manage, where it differs from an administrator.
COLLABORATOR_OUTCOME = {"resiliation:manager": LETTER + " refusé"}  # only an administrator hands a letter over

# URL name → (method, data, outcome of a user with the area, own organisation or another).
AREA_URLS = {
    "resiliation:letters": ("get", {}, "200"), "resiliation:export": ("get", {}, "200"),
    "resiliation:new": ("get", {}, "200"),
    "resiliation:new_insurer": ("get", {}, "302 /resiliations/nouvelle/"),  # the wizard starts at step 1
    "resiliation:new_type": ("get", {}, "302 /resiliations/nouvelle/"),
    "resiliation:new_contract": ("get", {}, "302 /resiliations/nouvelle/"),
    "resiliation:insurer_search": ("get", {"q": "maa"}, "200"),
    "resiliation:insurer_request": ("get", {}, "200"), "resiliation:orias": ("get", {}, "200"),
    "resiliation:identity": ("get", {}, "200"),
    "resiliation:identity_verify": ("get", {}, "302 /resiliations/identite/"),  # no check under way
}


def outcome(client, method: str, url: str, data: dict) -> str:
    """What a visitor gets: the status, and for a redirect where it goes (« refusé »: with an
    error message for the next page)."""
    data = {key: value() if callable(value) else value for key, value in data.items()}
    response = getattr(client, method)(url, data)
    if response.status_code not in (301, 302, 303):
        return str(response.status_code)
    refused = any(message.level == messages.ERROR for message in get_messages(response.wsgi_request))
    return f"{response.status_code} {response['Location']}" + (" refusé" if refused else "")


def login_redirect(url: str, method: str = "get", data: dict | None = None) -> str:
    """The login page, then back to the page asked for (with its query, for a GET)."""
    asked = f"{url}?{urlencode(data)}" if method == "get" and data else url
    return f"302 {resolve_url(settings.LOGIN_URL)}?next={quote(asked)}"


@pytest.fixture
def world(admin_user, resiliation_collaborator, other_admin, accounting_user, make_letter, orias_on_file, funded,
          db):
    from portal import services as portal_services
    from portal.models import Role

    plain = portal_services.user_create(email="plain@un.test", password="x" * 12, role=Role.COLLABORATOR,
                                        organisation=admin_user.organisation)
    orias_on_file(admin_user)
    funded(admin_user.organisation)
    letter = make_letter(admin_user)  # managed by the administrator
    attachment = services.letter_attachment_add(letter=letter, upload=pdf_upload("piece.pdf"))
    mine = make_letter(admin_user, reference="COLLAB")
    services.letter_manager_set(letter=mine, manager=resiliation_collaborator, by=admin_user)
    return {"letter": letter, "attachment": attachment, "mine": mine, "plain": plain}


def _prepare(name: str, letter, by) -> None:
    """The state in which the URL's action is done for its letter."""
    if name in ("resiliation:document", "resiliation:attachment_remove") and not letter.attachments.exists():
        services.letter_attachment_add(letter=letter, upload=pdf_upload("piece2.pdf"))
    if name == "resiliation:restore":
        services.letter_trash(letter=letter, now=clock.local_now())
    if name in ("resiliation:cancel", "resiliation:reschedule"):  # a sending scheduled for later
        services.letter_mandate_choose(letter=letter, choice="not_attached", today=clock.business_today(),
                                       confirmed=True)
        services.letter_confirm(letter=letter, by=by, with_acknowledgement=True, start=None, send=date(2026, 3, 20),
                                dates_confirmed=True, now=clock.local_now())


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
    method, data, done = ROW_URLS[name]
    if name == "resiliation:manager":
        data = {"managed_by": admin_user.pk}
    letter, mine = world["letter"], world["mine"]
    _prepare(name, letter, admin_user)
    _prepare(name, mine, admin_user)
    url = row_url(name, letter, world["attachment"])
    # Those refused first, on the administrator's letter: nothing changes for them.
    results = [
        ("anonyme", outcome(client_for(None), method, url, data), login_redirect(url)),
        ("collaborateur sans l'espace", outcome(client_for(world["plain"]), method, url, data), "403"),
        ("comptabilité", outcome(client_for(accounting_user), method, url, data), "403"),
        ("administrateur d'un autre cabinet", outcome(client_for(other_admin), method, url, data), "404"),
        ("collaborateur, lettre gérée par un autre", outcome(client_for(resiliation_collaborator), method, url, data),
         "404"),
        ("collaborateur, sa lettre", outcome(client_for(resiliation_collaborator), method, row_url(name, mine), data),
         COLLABORATOR_OUTCOME.get(name, done).format(pk=mine.pk)),
        ("administrateur du cabinet", outcome(client_for(admin_user), method, url, data), done.format(pk=letter.pk)),
    ]
    assert [(label, actual) for label, actual, expected in results if actual != expected] == [], results


@pytest.mark.parametrize("name", sorted(AREA_URLS))
def test_area_pages(name, world, client_for, admin_user, resiliation_collaborator, other_admin, accounting_user):
    method, data, done = AREA_URLS[name]
    url = reverse(name, kwargs={"type_code": "auto"} if name == "resiliation:new_contract" else None)
    results = [
        ("anonyme", outcome(client_for(None), method, url, data), login_redirect(url, method, data)),
        ("collaborateur sans l'espace", outcome(client_for(world["plain"]), method, url, data), "403"),
        ("comptabilité", outcome(client_for(accounting_user), method, url, data), "403"),
        ("collaborateur avec l'espace", outcome(client_for(resiliation_collaborator), method, url, data), done),
        ("administrateur d'un autre cabinet", outcome(client_for(other_admin), method, url, data), done),
        ("administrateur du cabinet", outcome(client_for(admin_user), method, url, data), done),
    ]
    assert [(label, actual) for label, actual, expected in results if actual != expected] == [], results


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
    services.letter_mandate_choose(letter=letter, choice="not_attached", today=date(2026, 3, 2), confirmed=True)
    now = datetime(2026, 3, 2, 9, tzinfo=ZoneInfo("Europe/Paris"))
    services.letter_confirm(letter=letter, by=admin_user, with_acknowledgement=False, start=None, send=now.date(),
                           dates_confirmed=True, now=now)
    services.letter_dispatch(letter_id=letter.pk, now=now)
    letter.refresh_from_db()
    url = emails.public_document_url(letter=letter, document=letter.sent_document)
    path = url[url.index("/resiliations"):]
    assert client_for(None).get(path).status_code == 200
    # a valid token for a document that is not one of the letter's public documents
    other = services.letter_attachment_add(letter=make_letter(admin_user), upload=pdf_upload())
    token = signing.dumps([letter.pk, other.document_id], salt=emails.DOCUMENT_SALT)
    assert client_for(None).get(reverse("resiliation:public_document", args=[token])).status_code == 404


def test_area_granted_by_delegation_profile(collaborator, delegate, client_for):
    assert client_for(collaborator).get("/resiliations/").status_code == 403
    delegate(collaborator, [], areas=(Area.RESILIATION,))
    assert client_for(collaborator).get("/resiliations/").status_code == 200
