"""The Django admin of the back office: every page loads for a superuser and an accounting
clerk; brokers never get in; only a superuser grants admin rights."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib import admin
from django.urls import reverse

from portal import notifications, pdf, services
from portal.models import Area, Contact, Role
from portal.services import ACCOUNTING_GROUP, accounting_apps

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(org, admin_user, collaborator, emission, delegate):
    """At least one row of every portal model, so list columns and filters really render."""
    call = emission(reference="EM-1", broker=org)
    services.payments_import(rows=[services.PaymentRow("EM-1", Decimal("10.00"), date(2026, 2, 10), "PAY-1")],
                             today=date(2026, 3, 2))
    services.contact_add(member=call.policy.member, email="compta@client.fr", is_accounting=True)
    delegate(collaborator, [call.policy.member], areas=[Area.AMIABLE])
    notifications.email_enqueue(key="k1", to="compta@client.fr", subject="Objet", text="Texte")
    notifications.digest_items_add(news=[notifications.DigestNews(
        key="d1", recipient="compta@client.fr", kind="reminder", text="Rappel", business_date=date(2026, 3, 2))])
    pdf.document_store(content=b"%PDF-1.7 test", name="test.pdf", content_type="application/pdf")
    assert Contact.objects.exists()


def admin_pages(model_admin, obj):
    opts = model_admin.model._meta
    prefix = f"admin:{opts.app_label}_{opts.model_name}"
    yield "changelist", reverse(f"{prefix}_changelist")
    if model_admin.get_search_fields(None):
        yield "search", reverse(f"{prefix}_changelist") + "?q=1"
    if obj is not None:
        yield "change", reverse(f"{prefix}_change", args=[obj.pk])


def check_every_page(client, models) -> list[str]:
    wrong = []
    for model, model_admin in admin.site._registry.items():
        if model not in models:
            continue
        for label, url in admin_pages(model_admin, model.objects.first()):
            response = client.get(url)
            if response.status_code != 200:
                wrong.append(f"{label} {url}: {response.status_code}")
    return wrong


def test_every_admin_page_loads_for_a_superuser(data, client_for):
    superuser = services.user_create(email="root@auxiliaire.test", password="x", role=Role.ACCOUNTING)
    superuser.is_superuser = True
    superuser.save()
    client = client_for(superuser)
    assert check_every_page(client, set(admin.site._registry)) == []
    for model, model_admin in admin.site._registry.items():
        if model_admin.has_add_permission(type("R", (), {"user": superuser})()):
            opts = model._meta
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
            assert client.get(url).status_code == 200, url


def test_every_back_office_page_loads_for_an_accounting_clerk(data, client_for, accounting_user):
    assert accounting_user.groups.filter(name=ACCOUNTING_GROUP).exists() and accounting_user.is_staff
    back_office = {model for model in admin.site._registry if model._meta.app_label in accounting_apps()}
    assert {"organisation", "user", "policy", "premiumcall", "payment", "outboxmessage"} <= {
        model._meta.model_name for model in back_office}
    client = client_for(accounting_user)
    assert check_every_page(client, back_office) == []
    assert client.get(reverse("admin:auth_group_changelist")).status_code == 403


def test_an_accounting_clerk_cannot_grant_admin_rights(client_for, accounting_user, admin_user):
    url = reverse("admin:portal_user_change", args=[admin_user.pk])
    clerk_form = client_for(accounting_user).get(url).content.decode()
    assert 'name="first_name"' in clerk_form and 'name="is_active"' in clerk_form
    for field in ("is_superuser", "is_staff", "groups", "user_permissions", "role", "organisation", "email"):
        assert f'name="{field}"' not in clerk_form
    superuser = services.user_create(email="root@auxiliaire.test", password="x", role=Role.ACCOUNTING)
    superuser.is_superuser = True
    superuser.save()
    assert 'name="is_superuser"' in client_for(superuser).get(url).content.decode()


@pytest.mark.parametrize("who", ["admin_user", "collaborator", "other_admin", "system_user"])
def test_brokers_and_the_system_get_no_admin_access(request, client_for, who):
    client = client_for(request.getfixturevalue(who))
    for url in ("/admin/", reverse("admin:portal_policy_changelist"), reverse("admin:portal_user_changelist")):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url


def test_a_delegation_profile_is_given_only_to_its_organisations_collaborators(client_for, admin_user, collaborator,
                                                                              other_admin, org):
    from portal.models import DelegationProfile, Membership

    superuser = services.user_create(email="root@auxiliaire.test", password="x", role=Role.ACCOUNTING)
    superuser.is_superuser = True
    superuser.save()
    profile = services.delegation_profile_create(organisation=org, name="Isère", areas=["amiable"])
    url = reverse("admin:portal_delegationprofile_change", args=[profile.pk])
    data = {"organisation": org.pk, "name": "Isère", "area_amiable": "on",
            "collaborators": [Membership.objects.get(user=other_admin).pk],
            "departements-TOTAL_FORMS": "0", "departements-INITIAL_FORMS": "0"}
    response = client_for(superuser).post(url, data)
    assert response.status_code == 200 and "seuls les collaborateurs du cabinet" in response.content.decode()
    data["collaborators"] = [Membership.objects.get(user=collaborator).pk]
    assert client_for(superuser).post(url, data).status_code == 302
    assert list(DelegationProfile.objects.get().collaborators.all()) == [Membership.objects.get(user=collaborator)]
