"""Access matrix of the platform's URLs: every named URL × every role (SPEC §2)."""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests.access import assert_statuses

COVERED_URL_NAMES = {
    "home", "login", "logout", "password_change", "password_change_done", "password_reset", "password_reset_done",
    "password_reset_confirm", "password_reset_complete", "api:emissions", "api:payments", "api-schema", "api-docs",
}
ROLES = ["anonymous", "admin_user", "collaborator", "other_admin", "accounting_user", "system_user"]
pytestmark = pytest.mark.django_db


@pytest.fixture
def users(request, org):
    return {role: None if role == "anonymous" else request.getfixturevalue(role) for role in ROLES}


def everyone(expected_anonymous: set[int], expected_signed_in: set[int]) -> dict[str, set[int]]:
    return {role: expected_anonymous if role == "anonymous" else expected_signed_in for role in ROLES}


PAGES = [
    # (url, method, expected status by role)
    ("/", "get", everyone({302}, {200})),
    ("/compte/connexion/", "get", everyone({200}, {302})),  # signed-in users go home
    ("/compte/deconnexion/", "post", everyone({302}, {302})),
    ("/compte/deconnexion/", "get", everyone({405}, {405})),
    ("/compte/mot-de-passe/", "get", everyone({302}, {200})),
    ("/compte/mot-de-passe/modifie/", "get", everyone({302}, {200})),
    ("/compte/mot-de-passe-oublie/", "get", everyone({200}, {200})),
    ("/compte/mot-de-passe-oublie/envoye/", "get", everyone({200}, {200})),
    ("/compte/reinitialiser/MQ/mauvais-jeton/", "get", everyone({200}, {200})),  # "Lien invalide"
    ("/compte/reinitialiser/termine/", "get", everyone({200}, {200})),
    ("/api/docs/", "get", everyone({302}, {200})),
]


@pytest.mark.parametrize(("url", "method", "expected"), PAGES)
def test_pages(users, client_for, url, method, expected):
    assert_statuses(
        (f"{method.upper()} {url} as {role}", getattr(client_for(user), method)(url).status_code, expected[role])
        for role, user in users.items()
    )


def test_a_valid_reset_link_opens_for_whoever_holds_it(users, client_for, admin_user):
    results = []
    for role, user in users.items():
        client = client_for(user)  # signing in changes last_login, hence the token: make it after
        admin_user.refresh_from_db()
        uid = urlsafe_base64_encode(force_bytes(admin_user.pk))
        url = f"/compte/reinitialiser/{uid}/{default_token_generator.make_token(admin_user)}/"
        response = client.get(url)
        results.append((f"reset link as {role}", response.status_code, {302}))
        assert response["Location"].endswith("/set-password/")
    assert_statuses(results)


def emission_row(index: int) -> dict:
    return {"reference": f"EM-{index}", "policy_number": "P-1", "member_number": "M-1", "company_name": "SARL",
            "broker_orias": "07000001", "broker_manages": True, "due_date": "2026-02-02", "amount": "10.00"}


API_ALLOWED = {"accounting_user", "system_user"}


def test_api_imports(users, api_for):
    results = []
    for index, (role, user) in enumerate(users.items()):
        api = api_for(user)
        emissions = api.post("/api/v1/emissions/", [emission_row(index)], format="json")
        payments = api.post("/api/v1/payments/", [{"emission_reference": "EM-4", "amount": "1.00",
                                                   "paid_on": "2026-03-02", "reference": f"PAY-{index}"}],
                            format="json")
        expected = {401} if user is None else {200} if role in API_ALLOWED else {403}
        results += [(f"emissions as {role}", emissions.status_code, expected),
                    (f"payments as {role}", payments.status_code, expected)]
    assert_statuses(results)


def test_api_schema(users, api_for, client_for):
    results = []
    for role, user in users.items():
        expected = {401} if user is None else {200}
        results.append((f"schema by token as {role}", api_for(user).get("/api/schema/").status_code, expected))
        results.append((f"schema by session as {role}", client_for(user).get("/api/schema/").status_code,
                        {401, 403} if user is None else {200}))
    assert_statuses(results)
