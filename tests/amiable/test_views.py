"""The page "Gérer le cycle amiable", its dialogs and its CSV export."""

import csv
import html
import io
from datetime import date

import pytest
from django.urls import reverse

from amiable import letters
from amiable.models import ExtensionRequest, Letter, LetterKind
from portal.models import Member
from tests.amiable.conftest import DEFAULT
from tests.files import PDF_BYTES

HX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def on_day(set_today):
    set_today(date(2026, 2, 13))


def page_text(response) -> str:
    return html.unescape(" ".join(response.content.decode().split()))


def table_text(response) -> str:
    """The rows only (the "Client (tous)" list names every client)."""
    text = page_text(response)
    return text[text.index("<tbody>"):text.index("</tbody>")]


def test_the_page_shows_the_seven_columns_and_the_reply_button(make_case, client_for, admin_user, on_day):
    make_case()
    response = client_for(admin_user).get(reverse("amiable:cases"))
    text = page_text(response)
    assert response.status_code == 200
    for header in ("N° sociétaire", "Raison sociale", "N° Police", "Évènement", "Date du courrier",
                   "Date de mise en demeure", "Statut", "Client (tous)", "Actions en attente", "Export CSV"):
        assert header in text
    assert "Courrier de rappel transmis" in text and "12/02/2026" in text and "20/02/2026" in text
    assert "Répondre" in text and "5 jour(s) restant(s)" in text
    assert "J'ai bien pris connaissance" in text and "Rappel non lu" in text


def test_statuses_follow_the_answers(make_case, client_for, admin_user, accounting_user, on_day):
    from amiable import services
    from tests.amiable.conftest import CAL

    declined = make_case()
    requested = make_case(reference="EM-2", policy_number="P-2", member_number="M-2")
    services.case_answer(case=declined, by=admin_user, requested=False, today=date(2026, 2, 13), calendar=CAL)
    services.case_answer(case=requested, by=admin_user, requested=True, reason="manager_death",
                         today=date(2026, 2, 13), calendar=CAL)
    text = page_text(client_for(admin_user).get(reverse("amiable:cases")))
    assert "Mise en demeure suite refus par le courtier" in text
    assert "En attente de validation par L'Auxiliaire" in text
    assert "16/02/2026" in text  # J+1 ouvré after the refusal


def test_another_organisation_sees_none_of_it(make_case, client_for, other_admin, on_day):
    make_case()
    text = page_text(client_for(other_admin).get(reverse("amiable:cases")))
    assert "ENTREPRISE" not in text and "Aucun dossier" in text


def test_a_collaborator_sees_only_delegated_members(make_case, client_for, collaborator, delegate, on_day):
    mine = make_case(company_name="DÉLÉGUÉE")
    make_case(reference="EM-2", policy_number="P-2", member_number="M-2", company_name="NON DÉLÉGUÉE")
    delegate(collaborator, [mine.policy.member])
    response = client_for(collaborator).get(reverse("amiable:cases"))
    assert "DÉLÉGUÉE" in table_text(response) and "NON DÉLÉGUÉE" not in page_text(response)


def test_client_filter_and_pending_toggle(make_case, client_for, admin_user, on_day, cal):
    from amiable import services
    from portal import clock

    first = make_case(company_name="PREMIÈRE")
    second = make_case(reference="EM-2", policy_number="P-2", member_number="M-2", company_name="SECONDE")
    services.letter_acknowledge(letter=Letter.objects.get(case=second), by=admin_user, now=clock.local_now())
    services.case_answer(case=second, by=admin_user, requested=False, today=date(2026, 2, 12), calendar=cal)
    client = client_for(admin_user)
    only_first = table_text(client.get(reverse("amiable:cases"), {"client": first.policy.member_id}))
    assert "PREMIÈRE" in only_first and "SECONDE" not in only_first
    pending = table_text(client.get(reverse("amiable:cases"), {"pending": "1"}))
    assert "PREMIÈRE" in pending and "SECONDE" not in pending


def test_htmx_filtering_returns_only_the_table(make_case, client_for, admin_user, on_day):
    make_case()
    response = client_for(admin_user).get(reverse("amiable:cases"), {"sort": "-policy"}, **HX)
    body = response.content.decode()
    assert "<table" in body and "<html" not in body and 'id="export-link"' in body
    assert "sort=-policy" in body


def test_paging_and_sorting(emission, org, tick, client_for, admin_user, on_day, contacts):
    for index in range(30):
        emission(reference=f"EM-{index}", policy_number=f"P-{index:02d}", member_number=f"M-{index}", broker=org)
    tick(DEFAULT)
    client = client_for(admin_user)
    response = client.get(reverse("amiable:cases"), {"sort": "policy"})
    first = table_text(response)
    assert "30 dossiers — page 1 sur 2" in page_text(response) and "P-00" in first and "P-29" not in first
    second = table_text(client.get(reverse("amiable:cases"), {"sort": "policy", "page": 2}))
    assert "P-29" in second and "P-00" not in second


def portfolio_of(broker, *, policies: int, first: int = 0) -> None:
    """``policies`` premium calls of ``broker`` in default on 12/02 (a member each, every third
    one not managed by the broker), imported in one batch and opened by the daily run."""
    from decimal import Decimal

    from amiable import cycle
    from portal import services
    from tests.amiable.conftest import CAL

    services.emissions_import(rows=[services.EmissionRow(
        reference=f"EM-{index}", policy_number=f"P-{index:03d}", member_number=f"M-{index:03d}",
        company_name=f"SOCIÉTÉ {index:03d}", broker_orias=broker.orias, broker_manages=index % 3 != 0,
        due_date=date(2026, 2, 2), amount=Decimal("100.00"),
    ) for index in range(first, first + policies)])
    cycle.amiable_tick(today=DEFAULT, calendar=CAL)


VIEWS = {
    "default": {}, "pending": {"pending": "1"}, "policy-descending": {"sort": "-policy"},
    "status-descending": {"sort": "-status"}, "notice-date": {"sort": "notice_date"}, "page-2": {"page": "2"},
    "pending-page-2": {"pending": "1", "page": "2"}, "search": {"recherche": "SOCIÉTÉ 0"},
}


@pytest.mark.parametrize("view", VIEWS)
def test_each_view_reads_as_many_queries_for_3_cases_as_for_60(org, other_org, admin_user, other_admin, contacts,
                                                                client_for, on_day, view):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    portfolio_of(org, policies=60)
    portfolio_of(other_org, policies=3, first=100)
    counts = {}
    for user in (admin_user, other_admin):
        client = client_for(user)
        client.get(reverse("amiable:cases"), VIEWS[view])  # the session, warm
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("amiable:cases"), VIEWS[view])
        assert response.status_code == 200 and "SOCIÉTÉ" in table_text(response)
        counts[user.organisation.orias] = len(queries)
    assert counts[org.orias] == counts[other_org.orias]


def test_csv_export_of_what_is_shown(make_case, client_for, admin_user, on_day):
    make_case(company_name="=HYPERLIEN(\"x\")")
    make_case(reference="EM-2", policy_number="P-2", member_number="M-2", company_name="AUTRE")
    response = client_for(admin_user).get(reverse("amiable:export"), {"police": "P-1"})
    raw = b"".join(response.streaming_content)
    assert response["Content-Type"].startswith("text/csv")
    assert raw.startswith("\ufeff".encode())
    assert b"\r\n" in raw and raw.count(b"\n") == raw.count(b"\r\n")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["N° sociétaire", "Raison sociale", "N° Police", "Évènement", "Date du courrier",
                       "Date de mise en demeure", "Statut"]
    assert rows[1] == ["M-1", "'=HYPERLIEN(\"x\")", "P-1", "Courrier de rappel transmis", "12/02/2026",
                       "20/02/2026", "Répondre — 5 jour(s) restant(s) · Rappel non lu"]
    assert len(rows) == 2


def test_answer_no_through_htmx_updates_the_row(make_case, client_for, admin_user, on_day):
    case = make_case()
    client = client_for(admin_user)
    dialog = client.get(reverse("amiable:answer", args=[case.id]), **HX)
    assert "Demander une prolongation de 25 jours (ouvrés)" in dialog.content.decode()
    assert dialog["HX-Retarget"] == "#dialog-content"
    response = client.post(reverse("amiable:answer", args=[case.id]), {"requested": "non"}, **HX)
    body = " ".join(response.content.decode().split())
    assert response.status_code == 200
    assert f'id="case-{case.id}"' in body and "Mise en demeure suite refus par le courtier" in body
    assert "le courrier de mise en demeure sera transmis au sociétaire à J+1 ouvré" in body


def test_answer_yes_with_a_document_without_javascript(make_case, client_for, admin_user, on_day):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = make_case()
    response = client_for(admin_user).post(reverse("amiable:answer", args=[case.id]), {
        "requested": "oui", "reason": "other", "comment": "Rachat en cours",
        "document": SimpleUploadedFile("preuve.pdf", PDF_BYTES),
    })
    assert response.status_code == 302
    assert ExtensionRequest.objects.get(case=case).comment == "Rachat en cours"


def test_a_bad_answer_shows_the_error_in_the_dialog(make_case, client_for, admin_user, on_day):
    case = make_case()
    response = client_for(admin_user).post(reverse("amiable:answer", args=[case.id]),
                                           {"requested": "oui", "reason": "other"}, **HX)
    assert response.status_code == 400 and response["HX-Retarget"] == "#dialog-content"
    assert "Le commentaire est obligatoire pour « Autre motif »." in response.content.decode()
    assert not ExtensionRequest.objects.exists()


def test_acknowledge_through_the_confirmation(make_case, client_for, admin_user, on_day):
    case = make_case()
    letter = Letter.objects.get(case=case)
    client = client_for(admin_user)
    confirm = page_text(client.get(reverse("amiable:acknowledge", args=[letter.id])))
    assert "J'ai bien pris connaissance du courrier pour le compte de mon cabinet de courtage Cabinet Un SARL" in confirm
    response = client.post(reverse("amiable:acknowledge", args=[letter.id]), **HX)
    assert "Rappel lu" in response.content.decode()
    again = client.post(reverse("amiable:acknowledge", args=[letter.id]), **HX)
    assert again.status_code == 400 and "déjà pris connaissance" in again.content.decode()


def test_pdf_download_once_rendered(make_case, client_for, admin_user, other_admin, on_day):
    letter = Letter.objects.get(case=make_case(), kind=LetterKind.REMINDER)
    url = reverse("amiable:letter_pdf", args=[letter.id])
    assert client_for(admin_user).get(url).status_code == 404  # not rendered yet
    assert url not in client_for(admin_user).get(reverse("amiable:cases")).content.decode()
    letters.letter_render(letter_id=letter.id)
    assert url in client_for(admin_user).get(reverse("amiable:cases")).content.decode()
    response = client_for(admin_user).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert client_for(other_admin).get(url).status_code == 404


def test_history_of_a_policy(make_case, client_for, admin_user, on_day, pay, tick):
    case = make_case()
    pay(case, "250.00", date(2026, 2, 13))
    tick(date(2026, 2, 13))
    text = page_text(client_for(admin_user).get(reverse("amiable:history", args=[case.policy_id]), **HX))
    for label in ("Attente avant relance", "Courrier de rappel transmis", "Paiement reçu", "02/02/2026"):
        assert label in text
    assert "250,00" in text


# ------------------------------------------------------------ sort, filters and page together
def _links(response, pattern: str) -> dict[str, str]:
    """Link text → href (unescaped) of the links whose text matches ``pattern``."""
    import re

    found = re.findall(r'<a [^>]*href="([^"]*)"[^>]*>(.*?)</a>', response.content.decode(), re.S)
    return {re.sub(r"<[^>]+>", "", text).strip(): html.unescape(href) for href, text in found
            if re.search(pattern, re.sub(r"<[^>]+>", "", text))}


@pytest.fixture
def two_clients(emission, org, tick, contacts, set_today):
    """30 cases of client A and 5 of client B, all opened on DEFAULT."""
    for index in range(30):
        emission(reference=f"EM-A{index}", policy_number=f"PA-{index:02d}", member_number="M-A",
                 company_name="ALPHA", broker=org)
    for index in range(5):
        emission(reference=f"EM-B{index}", policy_number=f"PB-{index:02d}", member_number="M-B",
                 company_name="BETA", broker=org)
    tick(DEFAULT)
    set_today(date(2026, 2, 13))
    from portal.models import Member

    return Member.objects.get(member_number="M-A"), Member.objects.get(member_number="M-B")


def test_sorting_and_paging_links_keep_the_filters(two_clients, client_for, admin_user):
    from urllib.parse import parse_qs, urlsplit

    alpha, _ = two_clients
    client = client_for(admin_user)
    url = reverse("amiable:cases")
    first = client.get(url, {"client": alpha.id, "pending": "1"})
    assert "30 dossiers — page 1 sur 2" in page_text(first)
    headings = _links(first, r"^(N° sociétaire|Raison sociale|N° Police)")
    next_link = _links(first, "Suivante")["Suivante →"]
    for href in [*headings.values(), next_link]:
        assert href.startswith("?") and not href.startswith("??"), href
        query = parse_qs(urlsplit(href).query)
        assert query["client"] == [str(alpha.id)] and query["pending"] == ["1"], href
    assert "page" not in parse_qs(headings["Raison sociale"][1:])  # a new sort starts on page 1

    second = client.get(url + next_link)
    assert "30 dossiers — page 2 sur 2" in page_text(second)
    assert "PB-" not in table_text(second)  # still client A only
    by_company = client.get(url + headings["Raison sociale"])
    assert "30 dossiers — page 1 sur 2" in page_text(by_company) and "PB-" not in table_text(by_company)
    back = _links(second, "Précédente")["← Précédente"]
    assert parse_qs(back[1:])["page"] == ["1"] and parse_qs(back[1:])["client"] == [str(alpha.id)]


def test_sortable_headings_say_their_order(two_clients, client_for, admin_user):
    client = client_for(admin_user)
    text = client.get(reverse("amiable:cases"), {"sort": "-company"}).content.decode()
    assert 'class="col-company" aria-sort="descending"' in text
    assert 'class="col-policy" aria-sort="none"' in text
    assert 'class="col-policy" aria-sort="ascending"' in client.get(reverse("amiable:cases"),
                                                                    {"sort": "policy"}).content.decode()


def test_the_table_partial_updates_the_filter_form_sort(two_clients, client_for, admin_user):
    """Sorting through htmx replaces the table; the form's hidden sort follows (out of band), so
    the next filter change keeps the order."""
    text = client_for(admin_user).get(reverse("amiable:cases"), {"sort": "company"}, **HX).content.decode()
    assert '<input type="hidden" name="sort" id="filter-sort" value="company" hx-swap-oob="true">' in text
    assert "<html" not in text


def test_a_history_restore_gets_the_whole_page(two_clients, client_for, admin_user):
    text = client_for(admin_user).get(reverse("amiable:cases"), {"page": "2"}, HTTP_HX_REQUEST="true",
                                      HTTP_HX_HISTORY_RESTORE_REQUEST="true").content.decode()
    assert "<html" in text and "Client (tous)" in text and "ALPHA — M-A" in text


def test_an_answered_case_shows_its_state_not_a_form(make_case, client_for, admin_user, on_day):
    from amiable import services
    from tests.amiable.conftest import CAL

    case = make_case()
    services.case_answer(case=case, by=admin_user, requested=False, today=date(2026, 2, 13), calendar=CAL)
    client = client_for(admin_user)
    page = page_text(client.get(reverse("amiable:answer", args=[case.id])))
    assert "Une réponse a déjà été donnée le 13/02/2026." in page
    assert "Mise en demeure suite refus par le courtier" in page  # the case's status
    assert "<form" not in page[page.index('<main'):] and 'name="requested"' not in page
    dialog = page_text(client.get(reverse("amiable:answer", args=[case.id]), **HX))
    assert "Une réponse a déjà été donnée" in dialog and "<form" not in dialog and "<h2" in dialog


def test_the_pages_of_the_dialogs_have_a_main_heading_without_javascript(make_case, client_for, admin_user, on_day):
    case = make_case()
    letter = Letter.objects.filter(case=case).first()
    client = client_for(admin_user)
    for url in (reverse("amiable:answer", args=[case.id]), reverse("amiable:acknowledge", args=[letter.id]),
                reverse("amiable:history", args=[case.policy_id])):
        full = client.get(url).content.decode()
        assert full.count("<h1") == 1 and '<h1 id="dialog-title">' in full, url
        assert '<h1' not in client.get(url, **HX).content.decode(), url  # in the dialog: an h2


def test_the_pages_state_the_response_window_of_the_rules(make_case, client_for, admin_user, on_day, monkeypatch):
    from amiable import rules

    case = make_case()
    monkeypatch.setattr(rules, "RESPONSE_WINDOW", 6)
    client = client_for(admin_user)
    assert "dispose de 6 jours ouvrés après le courrier de rappel" in page_text(client.get(reverse("amiable:cases")))
    dialog = page_text(client.get(reverse("amiable:answer", args=[case.id])))
    assert "vous disposez de 6 jours ouvrés pour faire votre demande" in dialog


def test_the_status_badge_colour_comes_from_the_stage(make_case, client_for, admin_user, on_day, monkeypatch):
    from amiable import models

    make_case(broker_manages=False)  # no answer to give: its status is a badge
    assert 'class="badge">Rappel transmis au sociétaire' in page_text(client_for(admin_user).get(
        reverse("amiable:cases")))
    monkeypatch.setitem(models.STAGE_BADGES, models.Stage.OPEN, "info")
    assert 'class="badge badge--info">Rappel transmis au sociétaire' in page_text(client_for(admin_user).get(
        reverse("amiable:cases")))


def test_the_page_the_export_and_the_api_say_the_same_words(make_case, client_for, api_for, admin_user, on_day, cal):
    """One source: the status and event words of the model choices, on the page, in the CSV and
    in the API, for a case at each step of the answer."""
    from amiable import services
    from amiable.models import Milestone, Reading, Status

    cases = {
        "answer": make_case(),
        "declined": make_case(reference="EM-2", policy_number="P-2", member_number="M-2"),
        "pending": make_case(reference="EM-3", policy_number="P-3", member_number="M-3"),
        "member": make_case(reference="EM-4", policy_number="P-4", member_number="M-4", broker_manages=False),
    }
    services.case_answer(case=cases["declined"], by=admin_user, requested=False, today=date(2026, 2, 13),
                         calendar=cal)
    services.case_answer(case=cases["pending"], by=admin_user, requested=True, reason="manager_death",
                         today=date(2026, 2, 13), calendar=cal)
    expected = {
        "answer": (Milestone.REMINDER, f"{Status.ANSWER.label} — 5 jour(s) restant(s)"),
        "declined": (Milestone.ANSWER, Status.DECLINED.label),
        "pending": (Milestone.ANSWER, Status.EXTENSION_PENDING.label),
        "member": (Milestone.REMINDER, Status.MEMBER_REMINDED.label),
    }
    export = b"".join(client_for(admin_user).get(reverse("amiable:export")).streaming_content).decode("utf-8-sig")
    csv_rows = {row[2]: row for row in csv.reader(io.StringIO(export), delimiter=";")}
    api_rows = {row["policy_number"]: row for row in api_for(admin_user).get("/api/v1/amiable/cases/").json()["results"]}
    page = client_for(admin_user).get(reverse("amiable:cases"))
    for name, (milestone, status) in expected.items():
        number = cases[name].policy.number
        assert csv_rows[number][3] == milestone.label
        assert csv_rows[number][6] == f"{status} · {Reading.UNREAD.label}"
        assert api_rows[number]["status_label"] == status
        row = page.context["page"].object_list[[r.policy.number for r in page.context["page"]].index(number)]
        assert (row.event_label, row.status_label, row.reading_label) == (milestone.label, status, Reading.UNREAD.label)


def test_the_client_filter_lists_the_first_clients_and_finds_the_others(org, admin_user, contacts, client_for,
                                                                         on_day, monkeypatch):
    """"Client (tous)" lists a bounded number of clients, whatever the portfolio; a search (name
    or number) finds the others, and the chosen client stays listed."""
    from amiable import selectors

    monkeypatch.setattr(selectors, "CLIENT_CHOICES", 3)
    portfolio_of(org, policies=6)
    client = client_for(admin_user)

    def options(response) -> list[str]:
        text = page_text(response)
        select = text[text.index('<select name="client"'):text.index("</select>")]
        return [option.split(">", 1)[1].split("<", 1)[0] for option in select.split("<option")[2:]]

    first = client.get(reverse("amiable:cases"))
    assert options(first) == ["SOCIÉTÉ 000 — M-000", "SOCIÉTÉ 001 — M-001", "SOCIÉTÉ 002 — M-002",
                              "… cherchez un client pour voir les autres"]
    assert 'name="recherche"' in page_text(first)
    assert options(client.get(reverse("amiable:cases"), {"recherche": "M-005"})) == ["SOCIÉTÉ 005 — M-005"]
    last = Member.objects.get(member_number="M-005")
    chosen = client.get(reverse("amiable:cases"), {"client": last.id})
    assert options(chosen)[0] == "SOCIÉTÉ 005 — M-005" and "SOCIÉTÉ 005" in table_text(chosen)
