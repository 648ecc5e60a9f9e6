"""The pages: pick a client then a policy, issue, list, download again; the public page
``/verifier/<code>``."""

import html
from datetime import date

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certificates import services, views
from certificates.models import Certificate
from portal.models import StoredDocument
from tests.certificates.conftest import SUSPENSION, code_of

pytestmark = pytest.mark.django_db
NEW = reverse("certificates:new")
LIST = reverse("certificates:list")


@pytest.fixture(autouse=True)
def _fresh_limit():
    cache.clear()


def post_issue(client, target, *, member_id=None, **data):
    return client.post(f"{NEW}?client={member_id or target.member_id}",
                       {"policy": target.id, "period_start": "2026-03-02", "period_end": "2027-03-01", **data})


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_search_a_client_then_issue_for_one_of_its_policies(client_for, admin_user, policy, other_policy):
    client = client_for(admin_user)
    found = client.get(NEW, {"q": "menuis"}).content.decode()
    assert "MENUISERIE DUPOND" in found and f"?client={policy.member_id}" in found
    assert "BOULANGERIE AUTRE" not in client.get(NEW, {"q": "boulang"}).content.decode()
    page = client.get(NEW, {"client": policy.member_id}).content.decode()
    assert "Police P-1 — Pyramide Artisan" in page and 'value="2026-03-02"' in page and 'value="2027-03-01"' in page
    response = post_issue(client, policy)
    certificate = Certificate.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{LIST}?nouvelle={certificate.id}"
    listed = client.get(response["Location"]).content.decode()
    assert "Attestation délivrée pour la police P-1 (MENUISERIE DUPOND)." in listed
    assert "du 02/03/2026 au 01/03/2027" in listed and reverse("certificates:download", args=[certificate.id]) in listed


def test_the_download_is_the_pdf_as_issued(client_for, admin_user, issue, policy):
    certificate = issue(admin_user, policy)
    response = client_for(admin_user).get(reverse("certificates:download", args=[certificate.id]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff" and "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == services.certificate_content(certificate)


def test_an_altered_file_is_not_served(client_for, admin_user, issue, policy):
    certificate = issue(admin_user, policy)
    with open(certificate.document.file.path, "ab") as handle:
        handle.write(b"%% ajout")
    response = client_for(admin_user).get(reverse("certificates:download", args=[certificate.id]))
    assert response.status_code == 409
    assert "ne correspond plus à celui délivré" in response.content.decode()


def test_a_suspended_policy_shows_why_and_is_refused(client_for, admin_user, policy, notice, tick, set_today):
    notice(policy)
    tick(SUSPENSION)
    set_today(SUSPENSION)
    client = client_for(admin_user)
    page = client.get(NEW, {"client": policy.member_id}).content.decode()
    assert f'name="policy" value="{policy.id}" disabled' in page
    assert "Attestation impossible : les garanties de la police P-1 sont suspendues depuis le 23/03/2026" in page
    response = post_issue(client, policy, period_start="2026-03-23", period_end="2026-12-31")
    assert response.status_code == 400
    assert "Attestation refusée : les garanties de la police P-1 sont suspendues" in response.content.decode()
    assert not Certificate.objects.exists() and not StoredDocument.objects.exists()


def test_another_organisations_policy_is_a_form_error(client_for, admin_user, policy, other_policy):
    response = post_issue(client_for(admin_user), other_policy, member_id=policy.member_id)
    assert response.status_code == 400
    assert "Cette police ne fait pas partie des contrats que vous pouvez attester." in response.content.decode()
    # Through the client of another organisation in the URL: not a client of the user.
    response = client_for(admin_user).post(f"{NEW}?client={other_policy.member_id}", {"policy": other_policy.id})
    assert response.status_code == 400 and "ne fait pas partie de votre portefeuille délégué" in \
        response.content.decode()
    assert not Certificate.objects.exists()


def test_a_collaborator_only_finds_the_clients_delegated_to_them(client_for, outside_collaborator, policy):
    client = client_for(outside_collaborator)
    assert "MENUISERIE DUPOND" not in client.get(NEW, {"q": "menuis"}).content.decode()
    assert "PLOMBERIE AILLEURS" in client.get(NEW, {"q": "plomb"}).content.decode()
    response = post_issue(client, policy)
    assert response.status_code == 400 and not Certificate.objects.exists()
    assert "Ce client ne fait pas partie de votre portefeuille délégué." in response.content.decode()


@pytest.mark.parametrize(("data", "message"), [
    ({"policy": "abc"}, "Ce numéro n'est pas valide."),
    ({"policy": "99999999999999999999999"}, "Ce numéro n'est pas valide."),
    ({"policy": ""}, "Choisissez une police."),
    ({"period_start": "2026-02-30"}, "Cette date n'est pas valide."),
    ({"period_end": ""}, "Indiquez la fin de la période de couverture."),
    ({"period_end": "2026-03-01"}, "La fin de la période de couverture précède son début."),
])
def test_bad_input_is_a_french_error_and_nothing_changes(data, message, client_for, admin_user, policy):
    response = post_issue(client_for(admin_user), policy, **data)
    assert response.status_code == 400 and message in text(response)
    assert not Certificate.objects.exists()


# ------------------------------------------------------------------------------ /verifier/<code>


def test_the_public_page_confirms_with_the_name_and_the_period_only(client_for, admin_user, issue, policy):
    certificate = issue(admin_user, policy)
    code = code_of(certificate)
    response = client_for(None).get(f"/verifier/{code}")
    page = response.content.decode()
    assert response.status_code == 200 and "Certificat authentique" in page
    assert "MENUISERIE DUPOND" in page and "du <strong>02/03/2026</strong> au <strong>01/03/2027</strong>" in page
    for private in ("P-1", "M-1", "Pyramide", "Cabinet Un", "Grenoble", "Ada"):
        assert private not in page, private
    assert response["X-Robots-Tag"] == "noindex, nofollow" and '<meta name="robots" content="noindex, nofollow">' in page
    assert "no-store" in response["Cache-Control"] and response["Referrer-Policy"] == "no-referrer"
    # Typed by hand: lower case, without dashes, through the form.
    typed = client_for(None).get(reverse("certificates:verify_form"), {"code": code.lower().replace("-", " ")})
    assert typed.status_code == 200 and "MENUISERIE DUPOND" in typed.content.decode()


@pytest.mark.parametrize("code", ["ABCD-EFGH-JKMN-PQRS", "abc", "x" * 300, "%00", "0000000000000000", "é"])
def test_a_forged_or_malformed_code_is_unknown_the_same_way(code, client_for, admin_user, issue, policy):
    issue(admin_user, policy)
    with CaptureQueriesContext(connection) as queries:
        response = client_for(None).get(f"/verifier/{code}")
    assert response.status_code == 404 and "Certificat inconnu" in response.content.decode()
    assert "MENUISERIE" not in response.content.decode() and response["X-Robots-Tag"] == "noindex, nofollow"
    lookups = [query["sql"] for query in queries.captured_queries if "certificates_certificate" in query["sql"]]
    assert len(lookups) == 1 and "verification_hash" in lookups[0]


def test_unknown_and_known_codes_cost_the_same_queries(client_for, admin_user, issue, policy):
    code = code_of(issue(admin_user, policy))
    counts = []
    for asked in (code, "ABCD-EFGH-JKMN-PQRS", "malformé"):
        with CaptureQueriesContext(connection) as queries:
            client_for(None).get(f"/verifier/{asked}")
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2]


def test_the_public_page_is_rate_limited(client_for, monkeypatch):
    monkeypatch.setattr(views, "VERIFY_LIMIT", 3)
    client = client_for(None)
    statuses = [client.get("/verifier/ABCD-EFGH-JKMN-PQRS").status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]
    assert "Trop de vérifications" in client.get("/verifier/ABCD").content.decode()


def test_the_verification_form_without_a_code(client_for):
    response = client_for(None).get(reverse("certificates:verify_form"))
    assert response.status_code == 200 and "Numéro de vérification" in response.content.decode()
    assert "Certificat inconnu" not in response.content.decode()


def test_the_home_tile_and_the_menu(client_for, admin_user, amiable_collaborator, certificates_collaborator):
    home = client_for(admin_user).get("/").content.decode()
    assert "attestation client" in home and NEW in home and "Attestations délivrées" in home
    assert NEW in client_for(certificates_collaborator).get("/").content.decode()
    assert NEW not in client_for(amiable_collaborator).get("/").content.decode()


def test_a_policy_changing_broker_does_not_take_its_certificates_along(client_for, admin_user, other_admin, issue,
                                                                       policy, other_org):
    certificate = issue(admin_user, policy)
    policy.broker = other_org
    policy.save()
    assert client_for(other_admin).get(reverse("certificates:download", args=[certificate.id])).status_code == 404
    assert client_for(admin_user).get(reverse("certificates:download", args=[certificate.id])).status_code == 200
    assert date(2026, 3, 2) == Certificate.objects.get().issued_on
