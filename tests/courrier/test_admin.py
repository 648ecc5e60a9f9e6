"""Envelopes in the Django admin: read-only for the insurer's clerks (list, filters, detail)."""

import pytest
from django.urls import reverse

from courrier.models import Envelope

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(admin_user, make_envelope, funded, send):
    funded(admin_user.organisation)
    return send(make_envelope(admin_user, mode="recommande", sender=True), admin_user)


def test_clerks_list_filter_and_read_envelopes(client_for, accounting_user, sent):
    clerk = client_for(accounting_user)
    listing = clerk.get(reverse("admin:courrier_envelope_changelist"), {"status__exact": "scheduled"})
    assert listing.status_code == 200 and sent.number in listing.content.decode()
    assert sent.number in clerk.get(reverse("admin:courrier_envelope_changelist"), {"q": sent.number}).content.decode()
    empty = clerk.get(reverse("admin:courrier_envelope_changelist"), {"status__exact": "posted"})
    assert sent.number not in empty.content.decode()
    detail = clerk.get(reverse("admin:courrier_envelope_change", args=[sent.pk]))
    html = detail.content.decode()
    assert detail.status_code == 200 and "Envoi validé" in html and "lettre.pdf" in html
    assert 'type="submit" value="Enregistrer"' not in html  # view only


def test_nothing_changes_through_the_admin(client_for, accounting_user, sent):
    clerk = client_for(accounting_user)
    assert clerk.get(reverse("admin:courrier_envelope_add")).status_code == 403
    change = clerk.post(reverse("admin:courrier_envelope_change", args=[sent.pk]), {"status": "cancelled"})
    assert change.status_code == 403
    delete = clerk.post(reverse("admin:courrier_envelope_delete", args=[sent.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert Envelope.objects.get(pk=sent.pk).status == "scheduled"


def test_brokers_have_no_admin(client_for, admin_user, sent):
    response = client_for(admin_user).get(reverse("admin:courrier_envelope_changelist"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
