"""API of SPEC §8: /api/v1/courrier/envelopes/ — create (multipart), list, detail, send with
accepted_price, reschedule, cancel; French errors per field; 403/404 for foreign callers."""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.models import EntryKind, LedgerEntry
from courrier.models import Envelope
from tests.courrier.conftest import pdf_upload, png_bytes, upload

pytestmark = pytest.mark.django_db
URL = "/api/v1/courrier/envelopes/"
RECIPIENT = {"name": "SARL DUPOND", "address_lines": ["1 rue des Fleurs"], "postal_code": "38000", "city": "Grenoble"}
SENDER = {"name": "Cabinet Un", "address_lines": ["1 rue des Fleurs"], "postal_code": "38000", "city": "Grenoble"}


def create(api, **fields):
    data = {"documents": [pdf_upload("courrier.pdf", 2), upload("annexe.png", png_bytes(), "image/png")],
            "mode": "lettre_verte", **fields}
    for key in ("recipient", "sender"):
        if isinstance(data.get(key), dict):
            data[key] = json.dumps(data[key])
    return api.post(URL, data, format="multipart")


def test_create_reads_the_recipient_in_the_window(api_for, admin_user):
    response = create(api_for(admin_user))
    assert response.status_code == 201, response.json()
    body = response.json()
    envelope = Envelope.objects.get()
    assert body["id"] == envelope.pk and body["number"] == envelope.number and body["status"] == "draft"
    assert body["ready"] is True and body["pages"] == 3 and body["sheets"] == 2  # duplex by default
    assert body["colour"] is True and body["duplex"] is True and body["staple"] is False
    assert [d["name"] for d in body["documents"]] == ["courrier.pdf", "annexe.png"]
    assert body["recipient_source"] == "document"
    assert body["recipient"] == {"name": "Mr DUPONT Jean", "address_lines": ["1 Rue de la République"],
                                 "postal_code": "38000", "city": "GRENOBLE"}
    assert body["handover_date"] == "2026-03-02" and body["send_on"] is None
    assert Decimal(body["price"]) > 0 and body["events"][0]["label"] == "Création"


def test_create_a_tracked_envelope_with_typed_addresses(api_for, admin_user):
    response = create(api_for(admin_user), mode="recommande_ar", recipient=RECIPIENT, sender=SENDER,
                      duplex="false", staple="true", send_on="2026-03-07")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["recipient"]["city"] == "GRENOBLE" and body["sender"]["name"] == "Cabinet Un"
    assert body["duplex"] is False and body["staple"] is True
    assert body["sheets"] == 2 + 1 + 1  # recto only + the address page
    assert body["send_on"] == "2026-03-07" and body["handover_date"] == "2026-03-09"


@pytest.mark.parametrize(("fields", "errors"), [
    ({"mode": "recommande"}, {"recipient", "sender"}),
    ({"recipient": {**RECIPIENT, "postal_code": "380"}}, {"recipient"}),
    ({"recipient": {**RECIPIENT, "address_lines": ["a", "b", "c", "d", "e"]}}, {"recipient"}),
    ({"recipient": "pas du JSON"}, {"recipient"}),
    ({"mode": "avion"}, {"mode"}),
    ({"send_on": "2026-03-02"}, {"send_on"}),
    ({"documents": [upload("faux.pdf", b"du texte")]}, {"documents"}),
    ({"documents": []}, {"documents"}),
])
def test_bad_input_gets_french_errors_per_field_and_creates_nothing(api_for, admin_user, fields, errors):
    response = create(api_for(admin_user), **fields)
    assert response.status_code == 400
    assert set(response.json()) == errors, response.json()
    assert not Envelope.objects.exists()


def test_french_messages(api_for, admin_user):
    body = create(api_for(admin_user), recipient={**RECIPIENT, "postal_code": "380"}).json()
    assert body == {"recipient": {"postal_code": ["Le code postal comporte 5 chiffres."]}}
    body = create(api_for(admin_user), documents=[upload("faux.pdf", b"du texte")]).json()
    assert "son contenu ne correspond pas" in body["documents"][0]
    body = create(api_for(admin_user), send_on="2026-03-02").json()
    assert body == {"send_on": ["La date d'envoi programmée doit être postérieure à aujourd'hui (au plus tôt demain)."]}


def test_send_at_the_accepted_price_once(api_for, admin_user, funded):
    funded(admin_user.organisation)
    api = api_for(admin_user)
    draft = create(api).json()
    wrong = api.post(f"{URL}{draft['id']}/send/", {"accepted_price": "0.50"}, format="json")
    assert wrong.status_code == 400 and "Le prix a changé" in wrong.json()["accepted_price"][0]
    assert not LedgerEntry.objects.filter(kind=EntryKind.DEBIT).exists()
    sent = api.post(f"{URL}{draft['id']}/send/", {"accepted_price": draft["price"]}, format="json")
    again = api.post(f"{URL}{draft['id']}/send/", {"accepted_price": draft["price"]}, format="json")
    assert sent.status_code == again.status_code == 200
    assert sent.json()["status"] == "scheduled" and sent.json()["price"] == draft["price"]
    assert [e["type"] for e in sent.json()["events"]] == ["created", "validated"]
    assert LedgerEntry.objects.filter(kind=EntryKind.DEBIT).count() == 1
    # « Envoyer maintenant » is final.
    refused = api.post(f"{URL}{draft['id']}/cancel/")
    assert refused.status_code == 400 and "jamais après « Envoyer maintenant »" in refused.json()["detail"]


def test_reschedule_and_cancel(api_for, admin_user, funded, balance):
    funded(admin_user.organisation)
    api = api_for(admin_user)
    draft = create(api, send_on="2026-03-10").json()
    api.post(f"{URL}{draft['id']}/send/", {"accepted_price": draft["price"]}, format="json")
    past = api.post(f"{URL}{draft['id']}/reschedule/", {"send_on": "2026-03-01"}, format="json")
    assert past.status_code == 400 and set(past.json()) == {"send_on"}
    moved = api.post(f"{URL}{draft['id']}/reschedule/", {"send_on": "2026-03-14"}, format="json")
    assert moved.json()["send_on"] == "2026-03-14" and moved.json()["handover_date"] == "2026-03-16"
    cancelled = api.post(f"{URL}{draft['id']}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert balance(admin_user.organisation) == Decimal("50.00")


def test_foreign_rows_are_404_and_callers_without_the_area_403(api_for, admin_user, other_admin,
                                                                 courrier_collaborator, accounting_user):
    from portal import services as portal_services
    from portal.models import Role

    plain = portal_services.user_create(email="plain@un.test", password="x" * 12, role=Role.COLLABORATOR,
                                        organisation=admin_user.organisation)
    envelope_id = create(api_for(admin_user)).json()["id"]
    for user in (other_admin, courrier_collaborator):
        api = api_for(user)
        assert api.get(f"{URL}{envelope_id}/").status_code == 404
        assert api.post(f"{URL}{envelope_id}/send/", {"accepted_price": "1.00"}, format="json").status_code == 404
        assert api.post(f"{URL}{envelope_id}/cancel/").status_code == 404
        assert api.get(URL).json()["count"] == 0
    for user in (accounting_user, plain):  # no courrier area
        assert api_for(user).get(URL).status_code == 403
        assert api_for(user).get(f"{URL}{envelope_id}/").status_code == 403
    assert api_for(None).get(URL).status_code in (401, 403)


def test_list_filters_and_constant_queries(api_for, admin_user):
    api = api_for(admin_user)
    create(api)
    create(api, mode="ecopli")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(URL).status_code == 200
        return len(queries.captured_queries)

    few = count()
    envelope = Envelope.objects.first()
    Envelope.objects.bulk_create([Envelope(organisation=envelope.organisation, created_by=admin_user, mode="ecopli")
                                  for _ in range(30)])
    assert count() == few
    assert api.get(URL, {"mode": "ecopli"}).json()["count"] == 31
    assert api.get(URL, {"status": "draft", "mode": "lettre_verte"}).json()["count"] == 1
    numbers = [row["number"] for row in api.get(URL, {"ordering": "number"}).json()["results"]]
    assert numbers == sorted(numbers)


def test_the_schema_documents_the_courrier_api(client_for, admin_user):
    schema = client_for(admin_user).get("/api/schema/").content.decode()
    for path in ("/api/v1/courrier/envelopes/", "/api/v1/courrier/envelopes/{envelope_id}/send/",
                 "/api/v1/courrier/envelopes/{envelope_id}/reschedule/",
                 "/api/v1/courrier/envelopes/{envelope_id}/cancel/"):
        assert f"{path}:" in schema
    assert "accepted_price" in schema and "handover_date" in schema
