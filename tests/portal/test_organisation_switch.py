"""Several organisations per person (issue 10 §5): one login, one membership per organisation,
the current one chosen with « Changer de compte entreprise ». After a switch, no page, export,
PDF or API call shows a row of the previous organisation; an API token acts for the
organisation it was issued for.

The person here administers « Cabinet Un » (A, their default) and « Agence Deux » (B); each
organisation has a case of the cycle amiable, a termination letter (with an attachment), a
receipt and an invoice. Every page of the project without parameters is read in B and must not
show A's rows; every page of a row of A answers 403 or 404.
"""

from datetime import date

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from amiable import letters
from amiable.models import Letter
from billing import invoicing
from billing.models import Invoice, Receipt
from billing.services import LineItem, account_debit
from portal import accounts
from portal.memberships import active_memberships, membership_apply
from portal.models import Membership, Role, User
from resiliation import services as resiliation_services
from tests.amiable.conftest import contacts, make_case, tick  # noqa: F401  (fixtures)
from tests.billing.conftest import buy, price_list  # noqa: F401  (fixtures; price_list is autouse)
from tests.resiliation.conftest import insurer, make_letter, pdf_upload, subscriber  # noqa: F401  (fixtures)
from tests.resiliation.test_access import ROW_URLS as RESILIATION_ROW_URLS
from tests.resiliation.test_access import row_url as resiliation_row_url

pytestmark = pytest.mark.django_db
DENIED = {403, 404}
# Pages that change state or belong to third parties: not read in the sweep.
NOT_READ = {"logout", "organisation_switch", "billing:payment_callback", "api:emissions", "api:payments"}
# Links whose token, not the session, says what they show (checked by their own access tests).
TOKEN_LINKS = {"password_reset_confirm", "account_activate", "invitation_accept", "account_email_confirm",
               "resiliation:public_document", "resiliation:sign", "resiliation:sign_document", "resiliation:webhook",
               "billing:purchase_result", "billing:sandbox_payment", "resiliation:new_contract"}


def _named_urls(patterns=None, namespace=""):
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _named_urls(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", pattern.pattern.regex.groupindex


def _body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8", errors="replace")


def _acting_for(user: User, organisation) -> User:
    """``user`` as a request acting for their membership of ``organisation`` sees it."""
    person = User.objects.get(pk=user.pk)
    memberships = active_memberships(person)
    membership_apply(person, next(m for m in memberships if m.organisation_id == organisation.id), memberships)
    return person


@pytest.fixture
def person(admin_user, other_org):
    """Ada administers Cabinet Un (her default) and, since her invitation, Agence Deux."""
    accounts.membership_add(user=admin_user, organisation=other_org, role=Role.ADMINISTRATOR, by=None)
    return admin_user


@pytest.fixture
def world(person, org, other_org, make_case, make_letter, buy, set_today):  # noqa: F811
    set_today(date(2026, 2, 10))
    rows = {}
    for key, organisation in (("A", org), ("B", other_org)):
        buy(organisation, "50.00", by=person)
        account_debit(organisation=organisation, items=[LineItem("registered_eletter")], idempotency_key=f"debit-{key}",
                      label=f"Lettre {key}", on=date(2026, 2, 10))
    set_today(date(2026, 3, 2))
    invoicing.invoices_issue(period_start=date(2026, 2, 1), today=date(2026, 3, 2))
    set_today(date(2026, 2, 13))
    for key, organisation in (("A", org), ("B", other_org)):
        name = "ALPHA" if key == "A" else "BRAVO"
        case = make_case(reference=f"EM-{name}", policy_number=f"P-{name}", member_number=f"M-{name}",
                         company_name=f"SOCIETE {name}", broker=organisation)
        letter = Letter.objects.get(case=case)
        letters.letter_render(letter_id=letter.id)
        termination = make_letter(_acting_for(person, organisation), reference=f"REF-{name}")
        attachment = resiliation_services.letter_attachment_add(letter=termination, upload=pdf_upload(f"{name}.pdf"))
        rows[key] = {
            "case": case, "letter": letter, "termination": termination, "attachment": attachment,
            "receipt": Receipt.objects.get(account__organisation=organisation),
            "invoice": Invoice.objects.get(account__organisation=organisation),
            "membership": Membership.objects.get(user=person, organisation=organisation),
            "markers": [f"SOCIETE {name}", f"P-{name}", f"REF-{name}",
                        Receipt.objects.get(account__organisation=organisation).number,
                        Invoice.objects.get(account__organisation=organisation).number],
        }
    set_today(date(2026, 3, 2))
    return rows


def _switch(client, membership) -> None:
    response = client.post(reverse("organisation_switch"), {"membership": membership.pk})
    assert response.status_code == 302 and response["Location"] == "/"


def _row_urls(rows) -> list[tuple[str, str, str]]:
    """(name, method, url) of every page of a row of one organisation."""
    case, letter, termination = rows["case"], rows["letter"], rows["termination"]
    urls = [
        ("amiable:answer", "get", reverse("amiable:answer", args=[case.id])),
        ("amiable:acknowledge", "post", reverse("amiable:acknowledge", args=[letter.id])),
        ("amiable:letter_pdf", "get", reverse("amiable:letter_pdf", args=[letter.id])),
        ("amiable:history", "get", reverse("amiable:history", args=[case.policy_id])),
        ("amiable-api:case-extension", "post", reverse("amiable-api:case-extension", args=[case.id])),
        ("amiable-api:letter-acknowledge", "post", reverse("amiable-api:letter-acknowledge", args=[letter.id])),
        ("billing:receipt_pdf", "get", reverse("billing:receipt_pdf", args=[rows["receipt"].pk])),
        ("billing:invoice_pdf", "get", reverse("billing:invoice_pdf", args=[rows["invoice"].pk])),
        ("account_user", "get", reverse("account_user", args=[rows["membership"].pk])),
        ("account_user_deactivate", "post", reverse("account_user_deactivate", args=[rows["membership"].pk])),
        ("account_user_reactivate", "post", reverse("account_user_reactivate", args=[rows["membership"].pk])),
        ("account_user_resend", "post", reverse("account_user_resend", args=[rows["membership"].pk])),
    ]
    for name, (method, _data, _done) in RESILIATION_ROW_URLS.items():
        urls.append((name, method, resiliation_row_url(name, termination, rows["attachment"])))
    return urls


# Row pages checked elsewhere: the decision of an extension is the insurer's (accounting), and the
# delegation profiles of an organisation are covered by their own access test.
ROW_NAMES_ELSEWHERE = {"amiable-api:extension-decision", "account_profile"}


def test_every_row_page_of_the_project_is_in_the_sweep(world):
    mapped = {name for name, _method, _url in _row_urls(world["A"])}
    with_parameters = {name for name, groups in _named_urls() if groups}
    known_apps = {name for name in with_parameters if name.split(":")[0] in ("amiable", "amiable-api", "billing",
                                                                              "resiliation")
                  or name.startswith("account")}
    assert known_apps - mapped - TOKEN_LINKS - ROW_NAMES_ELSEWHERE == set()


def _sweep(client, *, hidden: list[str], shown: list[str]) -> list[str]:
    """Read every page without parameters: none shows a hidden marker. Returns the pages read."""
    read, leaks = [], []
    for name, groups in _named_urls():
        if groups or name in NOT_READ:
            continue
        response = client.get(reverse(name))
        body = _body(response)
        leaks += [f"{name}: {marker}" for marker in hidden if marker in body]
        read.append(name)
    assert not leaks, f"Rows of the previous organisation shown: {leaks}"
    assert shown  # at least the lists of the current organisation show its rows
    return read


def test_after_a_switch_no_page_export_pdf_or_api_shows_the_previous_organisation(world, person, client_for):
    client = client_for(person)
    # Default: Cabinet Un.
    amiable_list = client.get(reverse("amiable:cases")).content.decode()
    assert "SOCIETE ALPHA" in amiable_list and "SOCIETE BRAVO" not in amiable_list
    _sweep(client, hidden=world["B"]["markers"], shown=world["A"]["markers"])

    _switch(client, world["B"]["membership"])
    read = _sweep(client, hidden=world["A"]["markers"], shown=world["B"]["markers"])
    assert {"amiable:export", "resiliation:export", "billing:index", "amiable-api:cases", "portfolio"} <= set(read)
    assert "SOCIETE BRAVO" in client.get(reverse("amiable:cases")).content.decode()
    assert "SOCIETE BRAVO" in _body(client.get(reverse("amiable:export")))
    assert world["B"]["receipt"].number in client.get(reverse("billing:index")).content.decode()
    api_cases = client.get("/api/v1/amiable/cases/").json()
    assert [row["policy_number"] for row in api_cases["results"]] == ["P-BRAVO"]
    # Every page of a row of Cabinet Un: refused or not found, and nothing changed.
    results = []
    for name, method, url in _row_urls(world["A"]):
        status = getattr(client, method)(url).status_code
        if status not in DENIED:
            results.append(f"{method.upper()} {name}: {status}")
    assert results == []
    world["A"]["termination"].refresh_from_db()
    assert world["A"]["termination"].trashed_at is None
    assert Membership.objects.get(pk=world["A"]["membership"].pk).is_active
    # Its own rows open.
    assert client.get(reverse("amiable:history", args=[world["B"]["case"].policy_id])).status_code == 200
    assert client.get(reverse("resiliation:letter", args=[world["B"]["termination"].pk])).status_code == 200

    # And back, without signing in again.
    _switch(client, world["A"]["membership"])
    assert "SOCIETE ALPHA" in client.get(reverse("amiable:cases")).content.decode()
    assert client.get(reverse("billing:receipt_pdf", args=[world["A"]["receipt"].pk])).status_code == 200
    assert client.get(reverse("billing:receipt_pdf", args=[world["B"]["receipt"].pk])).status_code == 404


def test_the_top_bar_shows_the_current_organisation_and_the_switch(world, person, client_for, other_org):
    client = client_for(person)
    html = client.get(reverse("account")).content.decode()
    assert "Changer de compte entreprise" in html and "Agence Deux (administrateur)" in html
    assert 'href="/aide/demande/?sujet=ajout_espace"' in html  # « Ajouter un espace »: a help request
    _switch(client, world["B"]["membership"])
    html = client.get(reverse("account")).content.decode()
    assert 'class="organisation-switch__current">Agence Deux<' in html


def test_a_switch_to_a_foreign_or_deactivated_membership_is_refused(world, person, client_for, other_admin, org):
    client = client_for(person)
    foreign = Membership.objects.get(user=other_admin)
    assert client.post(reverse("organisation_switch"), {"membership": foreign.pk}).status_code == 403
    assert client.post(reverse("organisation_switch"), {"membership": "abc"}).status_code == 403
    assert "SOCIETE ALPHA" in client.get(reverse("amiable:cases")).content.decode()  # still in Cabinet Un
    # Agence Deux's administrator deactivates Ada there: her session there falls back to Cabinet Un.
    _switch(client, world["B"]["membership"])
    accounts.membership_set_active(membership=world["B"]["membership"], by=other_admin, active=False)
    assert "SOCIETE ALPHA" in client.get(reverse("amiable:cases")).content.decode()
    assert client.post(reverse("organisation_switch"), {"membership": world["B"]["membership"].pk}).status_code == 403


def test_a_person_without_any_active_membership_is_signed_out(world, person, client_for, collaborator,
                                                              other_admin):
    client = client_for(person)
    assert client.get("/").status_code == 200
    # Another administrator in each organisation deactivates Ada.
    accounts.membership_update(membership=Membership.objects.get(user=collaborator), by=person,
                               role=Role.ADMINISTRATOR)
    accounts.membership_set_active(membership=world["A"]["membership"], by=collaborator, active=False)
    assert client.get("/").status_code == 200  # still Agence Deux
    accounts.membership_set_active(membership=world["B"]["membership"], by=other_admin, active=False)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/compte/connexion/")


def test_an_api_token_acts_for_the_organisation_it_was_issued_for(world, person, client_for, other_admin):
    key = accounts.api_token_issue(membership=world["B"]["membership"])
    bound = APIClient()
    bound.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    # Whatever the person does in the browser meanwhile.
    _switch(client_for(person), world["A"]["membership"])
    cases = bound.get("/api/v1/amiable/cases/").json()["results"]
    assert [row["policy_number"] for row in cases] == ["P-BRAVO"]
    assert bound.post(reverse("amiable-api:letter-acknowledge", args=[world["A"]["letter"].id])).status_code in DENIED
    # The user-level DRF token acts for the default organisation, Cabinet Un.
    user_token = APIClient()
    user_token.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=person).key}")
    assert [row["policy_number"] for row in user_token.get("/api/v1/amiable/cases/").json()["results"]] == ["P-ALPHA"]
    # Deactivated there: the organisation's token stops working.
    accounts.membership_set_active(membership=world["B"]["membership"], by=other_admin, active=False)
    assert bound.get("/api/v1/amiable/cases/").status_code == 401
    assert APIClient(HTTP_AUTHORIZATION="Token " + "0" * 40).get("/api/v1/amiable/cases/").status_code == 401


def test_api_token_create_prints_a_key_bound_to_the_organisation(world, person, other_org):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("api_token_create", person.email, other_org.orias, stdout=out)
    key = out.getvalue().rsplit(" ", 1)[-1].strip()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert [row["policy_number"] for row in api.get("/api/v1/amiable/cases/").json()["results"]] == ["P-BRAVO"]
    from portal.models import ApiToken

    assert not ApiToken.objects.filter(key_hash=key).exists()  # only its hash is kept
    with pytest.raises(CommandError, match="n'a pas d'accès"):
        call_command("api_token_create", "inconnu@un.test", other_org.orias, stdout=StringIO())


def test_the_password_change_does_not_move_the_default_organisation(world, person, client_for, org):
    """The user object of a request carries the current organisation in memory only."""
    client = client_for(person)
    _switch(client, world["B"]["membership"])
    new = "Nouveau mot de passe 2026"
    assert client.post(reverse("password_change"), {"old_password": "correct horse battery", "new_password1": new,
                                                    "new_password2": new}).status_code == 302
    person.refresh_from_db()
    assert person.organisation == org and person.role == Role.ADMINISTRATOR and person.check_password(new)
