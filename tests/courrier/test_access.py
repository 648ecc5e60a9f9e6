"""Every paper-mail URL (pages, downloads, API, sandbox console, webhook) × every role × another
organisation (SPEC §2).

Envelopes: an organisation administrator sees all the organisation's envelopes; a collaborator
with the courrier area sees the envelopes they created; a collaborator without the area and
accounting staff get 403; another organisation's administrator gets 404 on a row (and sees an
empty list). The webhook needs no login but a valid HMAC signature.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from courrier import services
from courrier.models import Envelope
from courrier.sandbox import provider as sandbox
from portal import clock
from portal import services as portal_services
from portal.models import Role
from tests.access import ALLOWED, DENIED, assert_statuses, status_of
from tests.courrier.conftest import pdf_upload, signed_event

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")

COVERED_URL_NAMES = {
    "courrier:envelopes", "courrier:new", "courrier:envelope", "courrier:documents_add", "courrier:documents_order",
    "courrier:document_move", "courrier:document_remove", "courrier:document_pdf", "courrier:options",
    "courrier:recipient", "courrier:recipient_document", "courrier:sender", "courrier:erase", "courrier:print_pdf",
    "courrier:preview", "courrier:proof", "courrier:confirm", "courrier:reschedule", "courrier:cancel",
    "courrier:webhook", "courrier:sandbox:console",
    "courrier-api:envelopes", "courrier-api:envelope", "courrier-api:envelope-send", "courrier-api:envelope-reschedule",
    "courrier-api:envelope-cancel",
}

RECIPIENT_POST = {"recipient-name": "SARL DUPOND", "recipient-lines": "1 rue des Fleurs",
                  "recipient-postal_code": "38000", "recipient-city": "Grenoble"}

# URL name → (method, data factory(envelope), which envelope: draft | scheduled | posted)
ROW_URLS = {
    "courrier:envelope": ("get", lambda e: {}, "draft"),
    "courrier:documents_add": ("post", lambda e: {"documents": [pdf_upload("ajout.pdf")]}, "draft"),
    "courrier:documents_order": ("post", lambda e: {"order": list(reversed(_ids(e)))}, "draft"),
    "courrier:document_move": ("post", lambda e: {"direction": "down"}, "draft"),
    "courrier:document_remove": ("post", lambda e: {}, "draft"),
    "courrier:document_pdf": ("get", lambda e: {}, "draft"),
    "courrier:options": ("post", lambda e: {"mode": "ecopli", "colour": "on", "duplex": "on"}, "draft"),
    "courrier:recipient": ("post", lambda e: RECIPIENT_POST, "draft"),
    "courrier:recipient_document": ("post", lambda e: {}, "draft"),
    "courrier:sender": ("post", lambda e: {"action": "own"}, "draft"),
    "courrier:erase": ("post", lambda e: {}, "draft"),
    "courrier:print_pdf": ("get", lambda e: {}, "draft"),
    "courrier:preview": ("get", lambda e: {}, "draft"),
    "courrier:confirm": ("get", lambda e: {"envoi": "maintenant"}, "draft"),
    "courrier:reschedule": ("post", lambda e: {"send_on": "2026-03-12"}, "scheduled"),
    "courrier:cancel": ("post", lambda e: {}, "scheduled"),
    "courrier:proof": ("get", lambda e: {}, "posted"),
    "courrier:sandbox:console": ("get", lambda e: {}, "posted"),
    "courrier-api:envelope": ("get", lambda e: {}, "draft"),
    "courrier-api:envelope-send": ("post", lambda e: {"accepted_price": str(_price(e))}, "draft"),
    "courrier-api:envelope-reschedule": ("post", lambda e: {"send_on": "2026-03-12"}, "scheduled"),
    "courrier-api:envelope-cancel": ("post", lambda e: {}, "scheduled"),
}
AREA_URLS = {
    "courrier:envelopes": ("get", {}),
    "courrier:new": ("get", {}),
    "courrier-api:envelopes": ("get", {}),
}


def _ids(envelope):
    return list(envelope.documents.values_list("pk", flat=True))


def _price(envelope):
    return services.envelope_quote(envelope=Envelope.objects.get(pk=envelope.pk), on=clock.business_today()).total


@pytest.fixture
def plain(admin_user):
    return portal_services.user_create(email="plain@un.test", password="x" * 12, role=Role.COLLABORATOR,
                                       organisation=admin_user.organisation)


@pytest.fixture
def build(make_envelope, funded, send, admin_user, set_now, django_capture_on_commit_callbacks):
    """An envelope of a user in the state a URL needs."""
    funded(admin_user.organisation, "200.00")

    def _build(user, state):
        if state == "draft":
            envelope = make_envelope(user, uploads=[pdf_upload("a.pdf"), pdf_upload("b.pdf", 3)])
            services.envelope_prepare(envelope=envelope)
            return Envelope.objects.get(pk=envelope.pk)
        if state == "scheduled":
            return send(make_envelope(user), user, send_on=date(2026, 3, 10))
        set_now("2026-03-02T10:00")
        envelope = send(make_envelope(user, mode="recommande", sender=True), user)
        set_now("2026-03-02T10:30")
        with django_capture_on_commit_callbacks(execute=False):
            services.envelopes_hand_over(now=clock.local_now(), calendar=clock.business_calendar())
            services.envelopes_submit(envelope_ids=[envelope.pk])
            sandbox.sandbox_webhooks_deliver_in_process()
        services.envelope_proof_fetch(envelope_id=envelope.pk, kind="deposit")
        return Envelope.objects.get(pk=envelope.pk)

    return _build


def row_url(name, envelope):
    kwargs = {"pk": envelope.pk}
    if name.startswith("courrier-api:"):
        kwargs = {"envelope_id": envelope.pk}
    if name in ("courrier:document_move", "courrier:document_remove", "courrier:document_pdf"):
        kwargs["document_id"] = _ids(envelope)[0]
    if name == "courrier:preview":
        kwargs["page"] = 1
    if name == "courrier:proof":
        kwargs["kind"] = "depot"
    return reverse(name, kwargs=kwargs)


def call(client, method, url, data):
    if url.startswith("/api/") and method == "post":
        return status_of(client, method, url, data, content_type="application/json")
    return status_of(client, method, url, data)


@pytest.mark.parametrize("name", sorted(ROW_URLS))
def test_envelope_rows(name, build, client_for, admin_user, courrier_collaborator, plain, other_admin,
                       accounting_user):
    method, data, state = ROW_URLS[name]
    theirs, mine = build(admin_user, state), build(courrier_collaborator, state)
    url = row_url(name, theirs)
    anonymous = {302} if not name.startswith("courrier-api:") else {401, 403}
    results = [
        ("anonyme", call(client_for(None), method, url, data(theirs)), anonymous),
        ("collaborateur sans l'espace", call(client_for(plain), method, url, data(theirs)), {403}),
        ("comptabilité", call(client_for(accounting_user), method, url, data(theirs)), {403}),
        ("administrateur d'un autre cabinet", call(client_for(other_admin), method, url, data(theirs)), {404}),
        ("collaborateur, courrier d'un autre", call(client_for(courrier_collaborator), method, url, data(theirs)),
         {404}),
        ("collaborateur, son courrier",
         call(client_for(courrier_collaborator), method, row_url(name, mine), data(mine)), ALLOWED),
        ("administrateur du cabinet", call(client_for(admin_user), method, url, data(theirs)), ALLOWED),
    ]
    assert_statuses(results)


@pytest.mark.parametrize("name", sorted(AREA_URLS))
def test_area_pages(name, client_for, admin_user, courrier_collaborator, plain, other_admin, accounting_user):
    method, data = AREA_URLS[name]
    url = reverse(name)
    anonymous = {302} if not name.startswith("courrier-api:") else {401, 403}
    results = [
        ("anonyme", status_of(client_for(None), method, url, data), anonymous),
        ("collaborateur sans l'espace", status_of(client_for(plain), method, url, data), {403}),
        ("comptabilité", status_of(client_for(accounting_user), method, url, data), {403}),
        ("collaborateur avec l'espace", status_of(client_for(courrier_collaborator), method, url, data), ALLOWED),
        ("administrateur d'un autre cabinet", status_of(client_for(other_admin), method, url, data), ALLOWED),
        ("administrateur du cabinet", status_of(client_for(admin_user), method, url, data), ALLOWED),
    ]
    assert_statuses(results)


def test_creating_is_for_users_with_the_area(client_for, api_for, plain, accounting_user, courrier_collaborator):
    for user, expected in ((plain, DENIED), (accounting_user, DENIED), (courrier_collaborator, ALLOWED)):
        page = client_for(user).post(reverse("courrier:new"), {"mode": "ecopli", "documents": [pdf_upload()]})
        api = api_for(user).post(reverse("courrier-api:envelopes"), {"mode": "ecopli", "documents": [pdf_upload()]},
                                 format="multipart")
        assert page.status_code in expected and api.status_code in expected
    assert Envelope.objects.filter(created_by=courrier_collaborator).count() == 2
    assert Envelope.objects.count() == 2


def test_lists_never_show_other_rows(build, client_for, api_for, admin_user, courrier_collaborator, other_admin):
    theirs, mine = build(admin_user, "draft"), build(courrier_collaborator, "draft")
    foreign = client_for(other_admin).get("/courriers/").content.decode()
    assert theirs.number not in foreign and mine.number not in foreign
    own = client_for(courrier_collaborator).get("/courriers/").content.decode()
    assert mine.number in own and theirs.number not in own
    assert api_for(other_admin).get("/api/v1/courrier/envelopes/").json()["count"] == 0
    numbers = [row["number"] for row in api_for(courrier_collaborator).get("/api/v1/courrier/envelopes/").json()[
        "results"]]
    assert numbers == [mine.number]
    # Another organisation's users never appear in the « Créé par » filter.
    assert "Ada Admin" not in client_for(other_admin).get("/courriers/").content.decode()


def test_documents_of_another_envelope_are_not_served_through_mine(build, client_for, admin_user,
                                                                   courrier_collaborator):
    theirs, mine = build(admin_user, "draft"), build(courrier_collaborator, "draft")
    url = reverse("courrier:document_pdf", kwargs={"pk": mine.pk, "document_id": _ids(theirs)[0]})
    assert client_for(courrier_collaborator).get(url).status_code == 404
    assert client_for(admin_user).get(url).status_code == 404


def test_the_webhook_needs_a_signature_not_a_login(client_for, admin_user, other_admin):
    url = reverse("courrier:webhook", args=["sandbox"])
    body, header = signed_event(event_type="mail.posted", reference="pli_inconnu",
                                occurred_at=datetime(2026, 3, 2, 14, 0, tzinfo=PARIS))
    for user in (None, admin_user, other_admin):
        client = client_for(user)
        assert client.post(url, data=body, content_type="application/json").status_code == 400
        assert client.post(url, data=body, content_type="application/json",
                           headers={"X-Webhook-Signature": header}).status_code == 409  # valid, unknown envelope
        assert client.get(url).status_code == 405
