"""POST /api/v1/emissions/ and /api/v1/payments/ (SPEC §8), the OpenAPI schema and its docs."""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from portal.models import Member, Payment, Policy, PremiumCall

pytestmark = pytest.mark.django_db
EMISSIONS = "/api/v1/emissions/"
PAYMENTS = "/api/v1/payments/"


def emission(**overrides) -> dict:
    return {"reference": "EM-1", "policy_number": "P-1", "member_number": "M-1", "company_name": "GARAGE DURAND",
            "broker_orias": "07000001", "broker_manages": True, "due_date": "2026-02-02", "amount": "1000.00",
            **overrides}


def post(client, url, data):
    return client.post(url, data, format="json")


def counts():
    return Member.objects.count(), Policy.objects.count(), PremiumCall.objects.count(), Payment.objects.count()


def test_anonymous_callers_get_401(org):
    for url in (EMISSIONS, PAYMENTS):
        response = post(APIClient(), url, [emission()])
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Token")
    assert counts() == (0, 0, 0, 0)


@pytest.mark.parametrize("who", ["admin_user", "collaborator", "other_admin"])
def test_brokers_and_collaborators_get_403(request, api_for, client_for, org, who):
    user = request.getfixturevalue(who)
    for client in (api_for(user), client_for(user)):
        for url in (EMISSIONS, PAYMENTS):
            response = client.post(url, json.dumps([emission()]), content_type="application/json")
            assert response.status_code == 403
            assert "Seuls le système de L'Auxiliaire et la comptabilité" in response.json()["detail"]
    assert counts() == (0, 0, 0, 0)


@pytest.mark.parametrize("who", ["system_user", "accounting_user"])
def test_the_system_and_accounting_import_with_their_token(request, api_for, org, who):
    api = api_for(request.getfixturevalue(who))
    response = post(api, EMISSIONS, [emission(), emission(reference="EM-2", amount="12,50".replace(",", "."))])
    assert response.status_code == 200, response.content
    assert response.json() == {"created": 2, "updated": 0}
    response = post(api, EMISSIONS, [emission(amount="1100.00")])
    assert response.json() == {"created": 0, "updated": 1}
    assert PremiumCall.objects.get(reference="EM-1").amount == Decimal("1100.00")

    payment = {"emission_reference": "EM-1", "amount": "100.00", "paid_on": "2026-03-02", "reference": "PAY-1"}
    assert post(api, PAYMENTS, [payment]).json() == {"recorded": 1, "already_recorded": 0}
    assert post(api, PAYMENTS, [payment]).json() == {"recorded": 0, "already_recorded": 1}
    assert PremiumCall.objects.get(reference="EM-1").paid_amount == Decimal("100.00")


def test_session_auth_works_for_accounting(client_for, accounting_user, org):
    response = client_for(accounting_user).post(EMISSIONS, json.dumps([emission()]), content_type="application/json")
    assert response.status_code == 200 and response.json() == {"created": 1, "updated": 0}


BAD_ROWS = [
    ({"due_date": "02/02/2026"}, "due_date", "La date n'a pas le bon format"),
    ({"amount": "0.00"}, "amount", "Le montant doit être positif."),
    ({"amount": "abc"}, "amount", "Un nombre valide est requis."),
    ({"broker_orias": "123"}, "broker_orias", "Le numéro ORIAS comporte 8 chiffres."),
    ({"reference": ""}, "reference", "Ce champ ne peut être vide."),
    ({"company_name": None}, "company_name", "Ce champ ne peut être nul."),
    ({"broker_orias": "07999999"}, "broker_orias", "Aucun cabinet n'a le numéro ORIAS 07999999."),
]


@pytest.mark.parametrize(("change", "field", "message"), BAD_ROWS)
def test_bad_rows_get_a_400_with_french_messages_per_row_and_nothing_changes(api_for, system_user, org,
                                                                              change, field, message):
    response = post(api_for(system_user), EMISSIONS, [emission(reference="EM-0"), emission(**change)])
    assert response.status_code == 400
    body = response.json()
    assert "1 ligne en erreur, rien n'a été enregistré." in body["detail"]
    assert [error["row"] for error in body["errors"]] == [1]
    assert any(message in text for text in body["errors"][0][field]), body
    assert counts() == (0, 0, 0, 0)


def test_a_missing_field_is_named(api_for, system_user, org):
    row = emission()
    del row["due_date"]
    body = post(api_for(system_user), EMISSIONS, [row]).json()
    assert body["errors"] == [{"row": 0, "due_date": ["Ce champ est obligatoire."]}]


@pytest.mark.parametrize(("data", "message"), [
    ({"reference": "EM-1"}, "Le corps de la requête doit être une liste JSON."),
    ([], "La liste est vide."),
])
def test_a_body_that_is_not_a_list_of_rows_is_refused(api_for, system_user, data, message):
    for url in (EMISSIONS, PAYMENTS):
        response = post(api_for(system_user), url, data)
        assert response.status_code == 400
        assert response.json() == {"non_field_errors": [message]}


def test_payment_errors_are_per_row_and_change_nothing(api_for, system_user, org):
    api = api_for(system_user)
    post(api, EMISSIONS, [emission()])
    response = post(api, PAYMENTS, [
        {"emission_reference": "EM-1", "amount": "10.00", "paid_on": "2026-03-02"},
        {"emission_reference": "EM-1", "amount": "10.00", "paid_on": "2026-03-03"},
        {"emission_reference": "EM-404", "amount": "10.00", "paid_on": "2026-03-02"},
    ])
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors == [
        {"row": 1, "paid_on": ["La date de paiement 03/03/2026 est dans le futur."]},
        {"row": 2, "emission_reference": ["Aucune émission n'a la référence EM-404."]},
    ]
    assert Payment.objects.count() == 0
    assert PremiumCall.objects.get().paid_amount == Decimal("0.00")


def test_api_import_query_count_does_not_grow_with_rows(api_for, system_user, org):
    api = api_for(system_user)

    def queries(size, prefix):
        rows = [emission(reference=f"{prefix}{i}", policy_number=f"{prefix}P{i}", member_number=f"{prefix}M{i}")
                for i in range(size)]
        with CaptureQueriesContext(connection) as captured:
            assert post(api, EMISSIONS, rows).status_code == 200
        return len(captured.captured_queries)

    assert queries(10, "A") == queries(300, "B")
    assert PremiumCall.objects.count() == 310


# ------------------------------------------------------------------------- schema and docs


def test_openapi_schema_documents_the_imports(api_for, system_user):
    assert api_for(None).get("/api/schema/").status_code == 401
    response = api_for(system_user).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["info"]["title"] == "Portail courtiers — API"
    for path, component in (("/api/v1/emissions/", "EmissionRowRequest"), ("/api/v1/payments/", "PaymentRowRequest")):
        operation = schema["paths"][path]["post"]
        body = operation["requestBody"]["content"]["application/json"]["schema"]
        assert body["type"] == "array" and body["items"]["$ref"].endswith(component)
    emission_fields = schema["components"]["schemas"]["EmissionRowRequest"]["properties"]
    assert set(emission_fields) == {"reference", "policy_number", "member_number", "company_name", "broker_orias",
                                    "broker_manages", "due_date", "amount"}
    assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])


def test_docs_page_renders_for_signed_in_users(client_for, admin_user):
    anonymous = client_for(None).get("/api/docs/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/compte/connexion/")
    response = client_for(admin_user).get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<redoc spec-url="/api/schema/"' in html
    assert "redoc.standalone.js" in html
    # The relaxed CSP of Redoc applies to this page only.
    assert "'unsafe-inline'" in response["Content-Security-Policy"]
    home = client_for(admin_user).get("/")
    assert "'unsafe-inline'" not in home["Content-Security-Policy"]
