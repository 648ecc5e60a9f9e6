"""Every URL of the cycle amiable × every role × another organisation (SPEC §2)."""

import pytest
from django.urls import reverse

from amiable import letters
from amiable.models import Letter
from portal import services
from portal.models import Role
from tests.access import assert_statuses

COVERED_URL_NAMES = {
    "amiable:cases", "amiable:export", "amiable:answer", "amiable:acknowledge", "amiable:letter_pdf",
    "amiable:history", "amiable-api:cases", "amiable-api:case-extension", "amiable-api:extension-decision",
    "amiable-api:letter-acknowledge",
}

OK, DENIED, HIDDEN, LOGIN = {200}, {403}, {404}, {302}


@pytest.fixture
def world(make_case, org, admin_user, collaborator, other_admin, accounting_user, system_user, delegate, set_today):
    from datetime import date

    set_today(date(2026, 2, 13))
    case = make_case()
    letter = Letter.objects.get(case=case)
    letters.letter_render(letter_id=letter.id)
    delegate(collaborator, [case.policy.member])
    outsider = services.user_create(email="collab2@un.test", password="x", role=Role.COLLABORATOR, organisation=org)
    delegate(outsider, [case.policy.member], areas=["resiliation"], name="Résiliation seulement")
    undelegated = services.user_create(email="collab3@un.test", password="x", role=Role.COLLABORATOR,
                                       organisation=org)
    delegate(undelegated, [], name="Aucun client")
    return {
        "case": case, "letter": letter,
        "users": {
            "anonymous": None, "admin": admin_user, "collaborator": collaborator, "no_area": outsider,
            "not_delegated": undelegated, "other_org": other_admin, "accounting": accounting_user,
            "system": system_user,
        },
    }


PAGE_EXPECTED = {
    # role: (list pages, row pages)
    "anonymous": (LOGIN, LOGIN),
    "admin": (OK, OK),
    "collaborator": (OK, OK),
    "no_area": (DENIED, DENIED),
    "not_delegated": (OK, HIDDEN),  # the cycle amiable area, but not this client
    "other_org": (OK, HIDDEN),
    "accounting": (DENIED, DENIED),
    "system": (DENIED, DENIED),
}


def test_pages(world, client_for):
    case, letter = world["case"], world["letter"]
    lists = [reverse("amiable:cases"), reverse("amiable:export")]
    rows = [
        reverse("amiable:answer", args=[case.id]),
        reverse("amiable:acknowledge", args=[letter.id]),
        reverse("amiable:letter_pdf", args=[letter.id]),
        reverse("amiable:history", args=[case.policy_id]),
    ]
    results = []
    for role, user in world["users"].items():
        client = client_for(user)
        expected_list, expected_row = PAGE_EXPECTED[role]
        results += [(f"{role} GET {url}", client.get(url).status_code, expected_list) for url in lists]
        results += [(f"{role} GET {url}", client.get(url).status_code, expected_row) for url in rows]
    assert_statuses(results)


def test_lists_show_nothing_outside_the_delegation(world, client_for, api_for):
    for role in ("not_delegated", "other_org"):
        user = world["users"][role]
        assert "ENTREPRISE" not in client_for(user).get(reverse("amiable:cases")).content.decode()
        assert b"ENTREPRISE" not in b"".join(client_for(user).get(reverse("amiable:export")).streaming_content)
        assert api_for(user).get("/api/v1/amiable/cases/").json()["count"] == 0


API_EXPECTED = {
    # role: (list, answer, decision, acknowledge)
    "anonymous": ({401}, {401}, {401}, {401}),
    "admin": (OK, {400}, DENIED, {400}),  # 400: the payloads are empty, the row is reachable
    "collaborator": (OK, {400}, DENIED, {400}),
    "no_area": (DENIED, HIDDEN, HIDDEN, HIDDEN),
    "not_delegated": (OK, HIDDEN, HIDDEN, HIDDEN),
    "other_org": (OK, HIDDEN, HIDDEN, HIDDEN),
    "accounting": (OK, DENIED, {400}, DENIED),
    "system": (OK, DENIED, DENIED, DENIED),
}


def test_api(world, api_for, admin_user):
    from amiable import services as amiable_services
    from tests.amiable.conftest import CAL

    case, letter = world["case"], world["letter"]
    amiable_services.case_answer(case=case, by=admin_user, requested=True, reason="regularisation",
                                 today=case.reminder_date, calendar=CAL)
    case.refresh_from_db()
    extension_id = case.extension.id
    results = []
    for role, user in world["users"].items():
        api = api_for(user)
        expected = API_EXPECTED[role]
        calls = [
            ("GET cases", api.get("/api/v1/amiable/cases/")),
            ("POST extension", api.post(f"/api/v1/amiable/cases/{case.id}/extension/", {}, format="json")),
            ("POST decision", api.post(f"/api/v1/amiable/extensions/{extension_id}/decision/", {}, format="json")),
            ("POST acknowledge", api.post(f"/api/v1/amiable/letters/{letter.id}/acknowledge/", {}, format="json")),
        ]
        # Acknowledge with no body is a real action: only run it for roles that may not do it.
        results += [(f"{role} {label}", response.status_code, want)
                    for (label, response), want in zip(calls, expected, strict=True)
                    if not (label == "POST acknowledge" and want == {400})]
    assert_statuses(results)
