"""Each page costs the same number of queries for a small and a large portfolio."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from certificates.models import Certificate
from portal.models import StoredDocument

pytestmark = pytest.mark.django_db


def queries(client, url, data=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, data or {})
    assert response.status_code == 200
    return len(captured)


def copies(certificate: Certificate, count: int) -> None:
    """``count`` more certificates like ``certificate`` (rows only: the PDF is the same file)."""
    document = certificate.document
    documents = StoredDocument.objects.bulk_create([
        StoredDocument(file=document.file.name, original_name=document.original_name, content_type=document.content_type,
                       size=document.size, sha256=document.sha256) for _ in range(count)])
    Certificate.objects.bulk_create([
        Certificate(broker=certificate.broker, member=certificate.member, policy=certificate.policy,
                    holder_name=certificate.holder_name, policy_number=certificate.policy_number,
                    product_name=certificate.product_name, period_start=certificate.period_start,
                    period_end=certificate.period_end, issued_on=date(2026, 3, 1), place=certificate.place,
                    issued_by=certificate.issued_by, verification_hash=f"{n:064x}", document=stored)
        for n, stored in enumerate(documents, start=1)])


@pytest.mark.parametrize("who", ["admin_user", "certificates_collaborator"])
def test_the_list(who, request, client_for, issue, admin_user, policy):
    user = request.getfixturevalue(who)
    client = client_for(user)
    certificate = issue(admin_user, policy)
    small = queries(client, reverse("certificates:list"))
    copies(certificate, 60)  # more than a page
    large = queries(client, reverse("certificates:list"))
    assert small == large
    assert queries(client, reverse("certificates:list"), {"page": 3}) == small


@pytest.mark.parametrize("who", ["admin_user", "certificates_collaborator"])
def test_the_client_and_its_policies(who, request, client_for, insured, org, policy, delegate, notice):
    user = request.getfixturevalue(who)
    client = client_for(user)
    url = reverse("certificates:new")
    small_search = queries(client, url, {"q": "menuis"})
    small = queries(client, url, {"client": policy.member_id})
    for n in range(2, 40):  # the same client's other policies, and other clients
        insured(policy_number=f"P-1-{n}", member_number="M-1", broker=org)
        insured(policy_number=f"Q-{n}", member_number=f"N-{n}", company_name=f"MENUISERIE NUMÉRO {n}", broker=org)
    notice(policy)  # every policy's premium call in formal notice: cases on all of them
    if who == "certificates_collaborator":
        delegate(user, [policy.member], areas=("certificates",), name="Encore")
    assert queries(client, url, {"client": policy.member_id}) == small
    assert queries(client, url, {"q": "menuis"}) == small_search
