"""The cycle amiable API (SPEC §8): fields, actions, French errors, scoping, query counts."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from amiable.models import Case, ExtensionRequest, Letter
from tests.amiable.conftest import DEFAULT
from tests.files import PDF_BYTES

CASES = "/api/v1/amiable/cases/"


@pytest.fixture
def on_day(set_today):
    set_today(date(2026, 2, 13))


def test_cases_list_has_the_contract_fields(make_case, api_for, admin_user, on_day):
    case = make_case()
    body = api_for(admin_user).get(CASES, {"policy_number": "P-1"}).json()
    assert body["count"] == 1
    row = body["results"][0]
    assert {key: row[key] for key in ("id", "policy_number", "status", "reminder_date", "response_deadline",
                                      "formal_notice_date", "suspension_date", "termination_date",
                                      "remaining_days", "extension")} == {
        "id": case.id, "policy_number": "P-1", "status": "open", "reminder_date": "2026-02-12",
        "response_deadline": "2026-02-19", "formal_notice_date": "2026-02-20", "suspension_date": None,
        "termination_date": None, "remaining_days": 5, "extension": None,
    }
    assert [(e["type"], e["label"], e["date"]) for e in row["events"]] == [
        ("awaiting", "Attente avant relance", "2026-02-02"),
        ("reminder", "Courrier de rappel transmis", "2026-02-12"),
    ]


def test_remaining_days_follow_the_business_date(make_case, api_for, admin_user, set_today):
    make_case()
    set_today(date(2026, 2, 19))
    assert api_for(admin_user).get(CASES).json()["results"][0]["remaining_days"] == 1
    set_today(date(2026, 2, 20))
    assert api_for(admin_user).get(CASES).json()["results"][0]["remaining_days"] == 0


def test_extension_request_then_decision(make_case, api_for, admin_user, accounting_user, on_day, set_today):
    case = make_case()
    response = api_for(admin_user).post(f"{CASES}{case.id}/extension/", {
        "requested": True, "reason": "awaiting_funds", "comment": "Virement attendu",
        "document": SimpleUploadedFile("virement.pdf", PDF_BYTES),
    }, format="multipart")
    assert response.status_code == 200, response.json()
    extension = response.json()["extension"]
    assert extension["status"] == "pending" and extension["has_document"] is True
    assert response.json()["formal_notice_date"] is None
    set_today(date(2026, 2, 24))
    decided = api_for(accounting_user).post(f"/api/v1/amiable/extensions/{extension['id']}/decision/",
                                             {"approved": False, "note": "Refus"}, format="json")
    assert decided.status_code == 200
    assert decided.json()["extension"]["status"] == "refused"
    assert decided.json()["formal_notice_date"] == "2026-02-25"


def test_answer_no_in_json(make_case, api_for, admin_user, on_day):
    case = make_case()
    response = api_for(admin_user).post(f"{CASES}{case.id}/extension/", {"requested": False}, format="json")
    assert response.json()["formal_notice_date"] == "2026-02-16"


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"requested": True, "reason": "other", "comment": ""}, "comment", "commentaire est obligatoire"),
        ({"requested": True, "reason": "nope"}, "reason", "n'est pas un choix valide"),
        ({"reason": "other"}, "requested", "Ce champ est obligatoire"),
    ],
)
def test_bad_extension_payloads_get_french_errors(make_case, api_for, admin_user, on_day, payload, field, message):
    case = make_case()
    response = api_for(admin_user).post(f"{CASES}{case.id}/extension/", payload, format="json")
    assert response.status_code == 400
    assert message in response.json()[field][0]
    assert Case.objects.get(id=case.id).answer == ""


def test_late_answer_is_a_400(make_case, api_for, admin_user, set_today):
    case = make_case()
    set_today(date(2026, 2, 20))
    response = api_for(admin_user).post(f"{CASES}{case.id}/extension/", {"requested": False}, format="json")
    assert response.status_code == 400
    assert response.json() == {"requested": ["Le délai de réponse est dépassé : il se terminait le 19/02/2026."]}


def test_foreign_rows_are_404_and_wrong_roles_403(make_case, api_for, other_admin, admin_user, accounting_user,
                                                  on_day):
    case = make_case()
    letter = Letter.objects.get(case=case)
    other = api_for(other_admin)
    assert other.get(CASES).json()["count"] == 0
    assert other.post(f"{CASES}{case.id}/extension/", {"requested": False}, format="json").status_code == 404
    assert other.post(f"/api/v1/amiable/letters/{letter.id}/acknowledge/").status_code == 404
    # Accounting sees every case but does not answer for the broker.
    assert api_for(accounting_user).get(CASES).json()["count"] == 1
    assert api_for(accounting_user).post(f"{CASES}{case.id}/extension/", {"requested": False},
                                         format="json").status_code == 403
    api_for(admin_user).post(f"{CASES}{case.id}/extension/", {"requested": True, "reason": "regularisation"},
                             format="json")
    extension = ExtensionRequest.objects.get()
    assert api_for(admin_user).post(f"/api/v1/amiable/extensions/{extension.id}/decision/",
                                    {"approved": True}, format="json").status_code == 403
    assert other.post(f"/api/v1/amiable/extensions/{extension.id}/decision/", {"approved": True},
                      format="json").status_code == 404
    assert ExtensionRequest.objects.get().status == "pending"


def test_acknowledge_once(make_case, api_for, admin_user, on_day):
    letter = Letter.objects.get(case=make_case())
    api = api_for(admin_user)
    first = api.post(f"/api/v1/amiable/letters/{letter.id}/acknowledge/")
    assert first.status_code == 200 and first.json()["letters"][0]["acknowledged"] is True
    second = api.post(f"/api/v1/amiable/letters/{letter.id}/acknowledge/")
    assert second.status_code == 400 and "déjà pris connaissance" in second.json()["detail"]


def test_anonymous_is_401(make_case):
    from rest_framework.test import APIClient

    assert APIClient().get(CASES).status_code == 401


def test_the_list_needs_a_constant_number_of_queries(emission, org, tick, api_for, admin_user, on_day, contacts,
                                                      django_assert_num_queries):
    api = api_for(admin_user)
    emission(reference="EM-A", policy_number="P-A", member_number="M-A", broker=org)
    tick(DEFAULT)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        api.get(CASES)
    for index in range(30):
        emission(reference=f"EM-{index}", policy_number=f"P-{index}", member_number=f"M-{index}", broker=org)
    tick(date(2026, 2, 13))
    with django_assert_num_queries(len(few)):
        assert api.get(CASES).json()["count"] == 31
