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


def payment(**overrides) -> dict:
    return {"reference": "VIR-1", "emission_reference": "EM-1", "amount": "100.00", "paid_on": "2026-03-02",
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

    assert post(api, PAYMENTS, [payment()]).json() == {"recorded": 1, "already_recorded": 0}
    assert post(api, PAYMENTS, [payment()]).json() == {"recorded": 0, "already_recorded": 1}
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
    # plausible values (the rules of the import services, SPEC §8)
    ({"due_date": "0001-01-01"}, "due_date",
     "L'échéance 01/01/0001 n'est pas plausible : elle doit être comprise entre le 01/01/2000 et le 02/03/2028."),
    ({"due_date": "9999-12-31"}, "due_date", "L'échéance 31/12/9999 n'est pas plausible"),
    ({"company_name": "GARAGE\r\nDURAND"}, "company_name",
     "Le texte doit tenir sur une seule ligne (retour à la ligne interdit)."),
    ({"company_name": "GARAGE\u0007DURAND"}, "company_name", "caractère de contrôle ou invisible interdit (U+0007)"),
    ({"policy_number": "P" * 21}, "policy_number", "Au plus 20 caractères (reçu 21)."),
    ({"member_number": "   "}, "member_number", "Ce champ ne peut être vide."),
    ({"broker_orias": "0700\n001"}, "broker_orias", "Le texte doit tenir sur une seule ligne"),
    ({"amount": "12.345"}, "amount", "Le montant a au plus 2 chiffres après la virgule."),
    ({"amount": "-1"}, "amount", "Le montant doit être positif."),
    # wrong JSON types
    ({"amount": "1e30"}, "amount", "Le montant ne peut pas dépasser 9\u202f999\u202f999\u202f999,99\u00a0€."),
    ({"amount": 1e30}, "amount", "Le montant ne peut pas dépasser"),
    ({"amount": 10**30}, "amount", "Le montant ne peut pas dépasser"),
    ({"amount": True}, "amount", "Un nombre valide est requis."),
    ({"amount": None}, "amount", "Ce champ ne peut être nul."),
    ({"amount": [1]}, "amount", "Un nombre valide est requis."),
    ({"broker_manages": "true"}, "broker_manages", "Un booléen est attendu : true ou false"),
    ({"broker_manages": 1}, "broker_manages", "Un booléen est attendu"),
    ({"broker_manages": None}, "broker_manages", "Ce champ ne peut être nul."),
    ({"reference": 12345}, "reference", "Une chaîne de caractères est attendue."),
    ({"policy_number": 1e20}, "policy_number", "Une chaîne de caractères est attendue."),
    ({"member_number": True}, "member_number", "Une chaîne de caractères est attendue."),
    ({"company_name": {"name": "GARAGE"}}, "company_name", "Une chaîne de caractères est attendue."),
    ({"broker_orias": 7000001}, "broker_orias", "Une chaîne de caractères est attendue."),
    ({"due_date": 20260202}, "due_date", "La date n'a pas le bon format"),
    ({"due_date": "2026-02-30"}, "due_date", "La date n'a pas le bon format"),
    ({"due_date": "2026-02-02T10:00:00"}, "due_date", "La date n'a pas le bon format"),
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
    no_reference = payment(reference="VIR-3")
    del no_reference["reference"]
    response = post(api, PAYMENTS, [
        payment(),
        payment(reference="VIR-2", paid_on="2026-03-03"),
        no_reference,
        payment(reference=None),
        payment(reference=""),
        payment(reference="VIR-6", paid_on="1999-12-31"),
        payment(reference="VIR\n7"),
    ])
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"row": 1, "paid_on": ["La date de paiement 03/03/2026 est dans le futur."]},
        {"row": 2, "reference": ["Ce champ est obligatoire."]},
        {"row": 3, "reference": ["Ce champ ne peut être nul."]},
        {"row": 4, "reference": ["Ce champ ne peut être vide."]},
        {"row": 5, "paid_on": ["La date de paiement 31/12/1999 n'est pas plausible : elle doit être postérieure au "
                               "01/01/2000."]},
        {"row": 6, "reference": ["Le texte doit tenir sur une seule ligne (retour à la ligne interdit)."]},
    ]
    response = post(api, PAYMENTS, [payment(), payment(reference="VIR-2", emission_reference="EM-404")])
    assert response.status_code == 400
    assert response.json()["errors"] == [{"row": 1, "emission_reference": ["Aucune émission n'a la référence EM-404."]}]
    assert Payment.objects.count() == 0
    assert PremiumCall.objects.get().paid_amount == Decimal("0.00")


def test_a_payment_batch_sent_again_records_nothing_twice(api_for, system_user, org):
    """The review's case: 60 € paid on a 100 € premium call, the batch sent twice: 40 € still due."""
    api = api_for(system_user)
    post(api, EMISSIONS, [emission(amount="100.00")])
    batch = [payment(reference="VIR-2026-0042", amount="60.00")]
    assert post(api, PAYMENTS, batch).json() == {"recorded": 1, "already_recorded": 0}
    assert post(api, PAYMENTS, batch).json() == {"recorded": 0, "already_recorded": 1}
    call = PremiumCall.objects.get()
    assert (call.paid_amount, call.outstanding) == (Decimal("60.00"), Decimal("40.00"))
    # the same reference with another amount is not a replay: refused, named
    response = post(api, PAYMENTS, [payment(reference="VIR-2026-0042", amount="40.00")])
    assert response.status_code == 400
    assert response.json()["errors"] == [{"row": 0, "reference": [
        "Le paiement VIR-2026-0042 est déjà enregistré avec une autre émission, un autre montant ou une autre date."]}]
    assert PremiumCall.objects.get().paid_amount == Decimal("60.00")


@pytest.mark.parametrize(("rows", "errors"), [
    ([None], [{"row": 0, "non_field_errors": ["La ligne est vide (null) : un objet JSON est attendu."]}]),
    (["EM-1"], [{"row": 0, "non_field_errors": ["Donnée non valide. Attendait un dictionnaire, a reçu str."]}]),
    ([[1, 2]], [{"row": 0, "non_field_errors": ["Donnée non valide. Attendait un dictionnaire, a reçu list."]}]),
    ([42], [{"row": 0, "non_field_errors": ["Donnée non valide. Attendait un dictionnaire, a reçu int."]}]),
])
def test_rows_that_are_not_objects_get_a_400_per_row(api_for, system_user, org, rows, errors):
    for url, good in ((EMISSIONS, emission(reference="EM-0")), (PAYMENTS, payment())):
        response = post(api_for(system_user), url, [good, *rows])
        assert response.status_code == 400
        assert response.json() == {"detail": "1 ligne en erreur, rien n'a été enregistré.",
                                   "errors": [{**error, "row": error["row"] + 1} for error in errors]}
    assert counts() == (0, 0, 0, 0)


def test_a_json_number_too_big_for_a_float_is_refused(api_for, system_user, org):
    body = json.dumps([emission(amount="AMOUNT")]).replace('"AMOUNT"', "1e400")  # read by Python as infinity
    response = api_for(system_user).post(EMISSIONS, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == [{"row": 0, "amount": ["Un nombre valide est requis."]}]


@pytest.mark.parametrize("body", [
    '[{"reference": "EM-1"',  # cut short
    '[{"amount": NaN}]',
    '[{"amount": Infinity}]',
    '[{"amount": ' + "9" * 5000 + "}]",  # beyond Python's 4 300 digits for an integer
    "\ufeff[]",
])
def test_unreadable_json_gets_a_french_400(api_for, system_user, org, body):
    for url in (EMISSIONS, PAYMENTS):
        response = api_for(system_user).post(url, body.encode(), content_type="application/json")
        assert response.status_code == 400
        assert response.json() == {"non_field_errors": [
            "Le corps de la requête n'est pas un JSON valide (syntaxe, NaN ou Infinity, nombre de plus de 4 300 "
            "chiffres…)."]}
    assert counts() == (0, 0, 0, 0)


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
                                    "broker_manages", "due_date", "amount", "product"}
    assert "product" not in schema["components"]["schemas"]["EmissionRowRequest"]["required"]
    assert emission_fields["company_name"]["maxLength"] == 120
    payment_schema = schema["components"]["schemas"]["PaymentRowRequest"]
    assert set(payment_schema["properties"]) == {"reference", "emission_reference", "amount", "paid_on"}
    assert set(payment_schema["required"]) == {"reference", "emission_reference", "amount", "paid_on"}
    assert payment_schema["properties"]["reference"]["minLength"] == 1
    assert "obligatoire et unique" in payment_schema["properties"]["reference"]["description"]
    answer = schema["paths"]["/api/v1/payments/"]["post"]["responses"]["200"]["content"]["application/json"]
    assert answer["schema"]["$ref"].endswith("PaymentImportResult")
    assert set(schema["components"]["schemas"]["PaymentImportResult"]["properties"]) == {"recorded",
                                                                                         "already_recorded"}
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
