"""Accounting's back office: pending requests first, single and bulk decisions, audited."""

import csv
import io
from datetime import date

import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from amiable import services
from amiable.models import Case, Event, EventType, ExtensionRequest
from tests.amiable.conftest import CAL
from tests.files import PDF_BYTES

LIST = reverse("admin:amiable_extensionrequest_changelist")


@pytest.fixture
def requests_(make_case, admin_user, set_today):
    set_today(date(2026, 2, 16))
    made = []
    for index in range(3):
        case = make_case(reference=f"EM-{index}", policy_number=f"P-{index}", member_number=f"M-{index}",
                         company_name=f"SOCIÉTÉ {index}")
        services.case_answer(case=case, by=admin_user, requested=True, reason="other",
                             comment=f"Motif détaillé {index}", today=date(2026, 2, 13), calendar=CAL,
                             document=SimpleUploadedFile("p.pdf", PDF_BYTES) if index == 0 else None)
        made.append(ExtensionRequest.objects.get(case=case))
    return made


def test_the_list_shows_pending_requests_with_their_justification(requests_, client_for, accounting_user):
    services.extension_decide(extension=requests_[2], by=accounting_user, approved=True, note="",
                              today=date(2026, 2, 16), now=requests_[2].case.created_at, calendar=CAL)
    text = client_for(accounting_user).get(LIST).content.decode()
    assert "Motif détaillé 0" in text and "Motif détaillé 1" in text and "Motif détaillé 2" not in text
    assert "Autre motif (commentaire obligatoire)" in text and "p.pdf" in text
    everything = client_for(accounting_user).get(LIST, {"statut": "all"}).content.decode()
    assert "Motif détaillé 2" in everything


def test_bulk_approval_with_a_note_is_audited(requests_, client_for, accounting_user):
    client = client_for(accounting_user)
    ids = [str(r.id) for r in requests_[:2]]
    confirm = client.post(LIST, {"action": "approve", "_selected_action": ids})
    assert confirm.status_code == 200 and "Accorder les prolongations" in confirm.content.decode()
    done = client.post(LIST, {"action": "approve", "_selected_action": ids, "apply": "1", "note": "Accord DAF"})
    assert done.status_code == 302
    for extension in ExtensionRequest.objects.filter(id__in=ids):
        assert (extension.status, extension.decided_by, extension.note) == ("approved", accounting_user, "Accord DAF")
        assert Event.objects.filter(case=extension.case, type=EventType.EXTENSION_APPROVED).exists()
    assert LogEntry.objects.filter(user=accounting_user, change_message__contains="Prolongation accordée").count() == 2
    assert ExtensionRequest.objects.get(id=requests_[2].id).status == "pending"


def test_single_refusal_from_the_change_page(requests_, client_for, accounting_user):
    extension = requests_[0]
    client = client_for(accounting_user)
    page = client.get(reverse("admin:amiable_extensionrequest_change", args=[extension.id])).content.decode()
    assert "Refuser la prolongation" in page
    client.post(reverse("admin:amiable_extensionrequest_decide", args=[extension.id]),
                {"decision": "refuse", "note": "Pièces manquantes"})
    extension.refresh_from_db()
    assert extension.status == "refused" and extension.note == "Pièces manquantes"
    assert Case.objects.get(id=extension.case_id).formal_notice_planned == date(2026, 2, 17)


def test_deciding_twice_shows_an_error_and_changes_nothing(requests_, client_for, accounting_user):
    extension = requests_[0]
    client = client_for(accounting_user)
    url = reverse("admin:amiable_extensionrequest_decide", args=[extension.id])
    client.post(url, {"decision": "approve"})
    response = client.post(url, {"decision": "refuse"}, follow=True)
    assert "a déjà été accordée le 16/02/2026" in response.content.decode()
    assert ExtensionRequest.objects.get(id=extension.id).status == "approved"


def test_the_document_is_downloadable_by_accounting_only(requests_, client_for, accounting_user, admin_user):
    url = reverse("admin:amiable_extensionrequest_document", args=[requests_[0].id])
    response = client_for(accounting_user).get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content).startswith(b"%PDF")
    assert client_for(admin_user).get(url).status_code == 302  # to the admin login


def test_brokers_have_no_access_to_the_admin(client_for, admin_user):
    response = client_for(admin_user).get(LIST)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_manual_follow_up_action(make_case, client_for, accounting_user):
    case = make_case()
    url = reverse("admin:amiable_case_changelist")
    client = client_for(accounting_user)
    assert "motif" in client.post(url, {"action": "manual_on", "_selected_action": [case.id]}).content.decode().lower()
    client.post(url, {"action": "manual_on", "_selected_action": [case.id], "apply": "1", "note": "Litige"})
    case.refresh_from_db()
    assert case.manual_follow_up and case.manual_follow_up_note == "Litige"
    assert LogEntry.objects.filter(change_message__contains="Suivi manuel").exists()


def test_collection_export_for_the_agency(make_case, tick, client_for, accounting_user):
    case = make_case(amount="1500.00")
    make_case(reference="EM-2", policy_number="P-2", member_number="M-2")
    for day in (date(2026, 2, 20), date(2026, 3, 23), date(2026, 4, 1)):
        tick(day)
    from portal import services as portal_services

    portal_services.payments_import(rows=[portal_services.PaymentRow("EM-2", 1000, date(2026, 4, 1), "VIR-EM-2")],
                                    today=date(2026, 4, 1))
    tick(date(2026, 4, 2))
    response = client_for(accounting_user).get(reverse("admin:amiable_collectioncase_export"))
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["N° sociétaire", "Raison sociale", "SIREN"]
    assert len(rows) == 2  # the settled debt is no longer in collection
    assert rows[1][6:11] == ["P-1", "EM-1", "02/02/2026", "1500,00", "1500,00"]
    assert rows[1][12:14] == ["20/02/2026", "01/04/2026"]
    assert case.policy.number in client_for(accounting_user).get(
        reverse("admin:amiable_collectioncase_changelist")).content.decode()


def test_the_bulk_approval_states_the_extension_of_the_rules(requests_, client_for, accounting_user, monkeypatch):
    from amiable import rules

    monkeypatch.setattr(rules, "EXTENSION_LENGTH", 30)
    confirm = client_for(accounting_user).post(LIST, {"action": "approve", "_selected_action": [requests_[0].id]})
    assert "reportée de 30 jours ouvrés" in confirm.content.decode()
