"""The attacks of the outside review on the admin (issue "Trust", item 1), one by one.

An accounting clerk must not take over an account: no password set for anyone, no staff or
system account changed, no role or right granted, no API token seen or made, no reset link
read in the outbox. Each rule is held twice (group permissions and admin classes): the tests
also give the clerk the permissions a mistake could grant, and the admin still refuses.
"""

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from portal import notifications, services
from portal.admin import SUPERUSER_ONLY_APPS
from portal.models import OutboxMessage, Role, User
from portal.services import ACCOUNTING_GROUP, accounting_apps, accounting_edits
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Mot de passe pris 2026 !"


@pytest.fixture
def superuser(db):
    user = services.user_create(email="root@auxiliaire.test", password=PASSWORD, role=Role.ACCOUNTING)
    User.objects.filter(id=user.id).update(is_superuser=True)
    user.refresh_from_db()
    return user


@pytest.fixture
def clerk(client_for, accounting_user):
    return client_for(accounting_user)


def grant(user, *, app_label: str) -> None:
    """What a mistake in the group could give: every permission of an app."""
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label=app_label))


def password_change(client, user):
    return client.post(reverse("admin:auth_user_password_change", args=[user.pk]),
                       {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})


# ------------------------------------------------------------------------------ passwords


@pytest.mark.parametrize("target", ["superuser", "admin_user", "system_user", "accounting_user"])
def test_a_clerk_cannot_set_anyones_password(request, clerk, accounting_user, target):
    user = request.getfixturevalue(target)
    grant(accounting_user, app_label="portal")  # even with every portal permission
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    assert clerk.get(url).status_code == 403
    assert password_change(clerk, user).status_code == 403
    user.refresh_from_db()
    assert not user.check_password(NEW_PASSWORD)


def test_a_superuser_sets_a_password(client_for, superuser, admin_user):
    response = password_change(client_for(superuser), admin_user)
    assert response.status_code == 302
    admin_user.refresh_from_db()
    assert admin_user.check_password(NEW_PASSWORD)


def test_the_clerks_user_page_shows_no_password_hash_nor_password_link(clerk, admin_user):
    html = clerk.get(reverse("admin:portal_user_change", args=[admin_user.pk])).content.decode()
    assert admin_user.password not in html and "md5$" not in html and "argon2" not in html
    assert "../password/" not in html and "/password/" not in html


# ------------------------------------------------------------------------- accounts, roles


def user_form(user, **changes) -> dict:
    data = {"email": user.email, "first_name": user.first_name, "last_name": user.last_name, "phone": user.phone,
            "role": user.role, "organisation": user.organisation_id or "", "is_active": "on" if user.is_active else "",
            "date_joined_0": "02/03/2026", "date_joined_1": "10:00:00"}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.parametrize("target", ["superuser", "system_user", "accounting_user"])
def test_a_clerk_cannot_change_a_staff_or_system_account(request, clerk, accounting_user, target):
    user = request.getfixturevalue(target)
    grant(accounting_user, app_label="portal")
    url = reverse("admin:portal_user_change", args=[user.pk])
    page = clerk.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()  # read-only
    response = clerk.post(url, user_form(user, email="pirate@exemple.fr", first_name="Pirate", is_active=None))
    assert response.status_code == 403
    fresh = User.objects.get(id=user.id)
    assert (fresh.email, fresh.first_name, fresh.is_active) == (user.email, user.first_name, user.is_active)


def test_a_clerk_changes_a_brokers_name_and_active_flag_but_nothing_that_gives_power(
    clerk, accounting_user, admin_user, other_org
):
    grant(accounting_user, app_label="portal")
    url = reverse("admin:portal_user_change", args=[admin_user.pk])
    response = clerk.post(url, user_form(
        admin_user, first_name="Adèle", is_active=None, role=Role.SYSTEM, email="pirate@exemple.fr",
        organisation=other_org.id, is_staff="on", is_superuser="on",
        groups=[Group.objects.get(name=ACCOUNTING_GROUP).id],
        user_permissions=list(Permission.objects.values_list("id", flat=True)[:3]),
    ))
    assert response.status_code == 302
    fresh = User.objects.get(id=admin_user.id)
    assert fresh.first_name == "Adèle" and not fresh.is_active  # what a clerk may change
    assert fresh.role == Role.ADMINISTRATOR and fresh.email == "admin@un.test"
    assert fresh.organisation_id == admin_user.organisation_id
    assert not fresh.is_staff and not fresh.is_superuser
    assert not fresh.groups.exists() and not fresh.user_permissions.exists()


def test_a_clerk_adds_no_account_and_deletes_none(clerk, accounting_user, admin_user):
    grant(accounting_user, app_label="portal")
    add = reverse("admin:portal_user_add")
    assert clerk.get(add).status_code == 403
    response = clerk.post(add, {"email": "nouveau@exemple.fr", "role": Role.ACCOUNTING, "password1": NEW_PASSWORD,
                                "password2": NEW_PASSWORD, "usable_password": "true"})
    assert response.status_code == 403
    assert not User.objects.filter(email="nouveau@exemple.fr").exists()
    delete = reverse("admin:portal_user_delete", args=[admin_user.pk])
    assert clerk.post(delete, {"post": "yes"}).status_code == 403
    assert User.objects.filter(id=admin_user.id).exists()


def test_a_superuser_adds_an_account_with_any_role(client_for, superuser):
    response = client_for(superuser).post(reverse("admin:portal_user_add"), {
        "email": "systeme2@auxiliaire.test", "role": Role.SYSTEM, "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD, "usable_password": "true"})
    assert response.status_code == 302
    assert User.objects.get(email="systeme2@auxiliaire.test").role == Role.SYSTEM


def test_a_clerk_cannot_edit_the_groups_even_with_their_permissions(clerk, accounting_user):
    grant(accounting_user, app_label="auth")
    group = Group.objects.get(name=ACCOUNTING_GROUP)
    url = reverse("admin:auth_group_change", args=[group.pk])
    assert clerk.get(url).status_code == 403
    everything = list(Permission.objects.values_list("id", flat=True))
    assert clerk.post(url, {"name": ACCOUNTING_GROUP, "permissions": everything}).status_code == 403
    assert group.permissions.count() < len(everything)


# ---------------------------------------------------------------------------------- tokens


def test_a_clerk_sees_no_token_and_makes_none_even_with_the_token_permissions(clerk, accounting_user, api_for,
                                                                              admin_user):
    api_for(admin_user)  # the broker has a token
    token = Token.objects.get(user=admin_user)
    grant(accounting_user, app_label="authtoken")
    assert accounting_user.has_perm("authtoken.add_tokenproxy")
    for url in (reverse("admin:authtoken_tokenproxy_changelist"), reverse("admin:authtoken_tokenproxy_add"),
                reverse("admin:authtoken_tokenproxy_change", args=[admin_user.pk])):
        response = clerk.get(url)
        assert response.status_code == 403, url
        assert token.key not in response.content.decode()
    response = clerk.post(reverse("admin:authtoken_tokenproxy_add"), {"user": accounting_user.pk})
    assert response.status_code == 403
    assert not Token.objects.filter(user=accounting_user).exists()
    assert clerk.get(reverse("admin:app_list", args=["authtoken"])).status_code == 404
    assert "tokenproxy" not in clerk.get(reverse("admin:index")).content.decode()


def test_a_superuser_manages_the_tokens(client_for, superuser, system_user):
    client = client_for(superuser)
    assert client.get(reverse("admin:authtoken_tokenproxy_changelist")).status_code == 200
    assert client.post(reverse("admin:authtoken_tokenproxy_add"), {"user": system_user.pk}).status_code == 302
    assert Token.objects.filter(user=system_user).exists()


# ------------------------------------------------------------------------ reset links


def test_reset_links_are_readable_by_nobody_in_the_admin_and_still_work_for_their_recipient(
    client_for, accounting_user, superuser, admin_user
):
    Client().post("/compte/mot-de-passe-oublie/", {"email": admin_user.email})
    message = OutboxMessage.objects.get(to=admin_user.email)
    for reader in (accounting_user, superuser):
        client = client_for(reader)
        pages = [reverse("admin:portal_outboxmessage_changelist"),
                 reverse("admin:portal_outboxmessage_changelist") + "?q=password-reset",
                 reverse("admin:portal_outboxmessage_change", args=[message.pk])]
        for url in pages:
            html = client.get(url).content.decode()
            assert "reinitialiser" not in html, url
        assert "[lien personnel masqué]" in html
        assert 'name="_save"' not in html  # read-only, for superusers too
    # Only the recipient's mailbox gets the link, made when the outbox sends it.
    assert notifications.outbox_send(message_id=message.id)
    [email] = mail.outbox
    link = re.search(r"/compte/reinitialiser/[^/\s]+/[^/\s]+/", email.body).group(0)
    page = Client().get(link, follow=True)
    assert "Choisissez votre nouveau mot de passe" in page.content.decode()
    for reader in (accounting_user, superuser):
        html = client_for(reader).get(reverse("admin:portal_outboxmessage_change", args=[message.pk])).content
        assert link.encode() not in html and b"reinitialiser" not in html


def test_a_clerk_cannot_change_or_add_outbox_messages_even_with_the_permissions(clerk, accounting_user):
    grant(accounting_user, app_label="portal")
    message = notifications.email_enqueue(key="k", to="a@exemple.fr", subject="Objet", text="Texte")
    assert clerk.get(reverse("admin:portal_outboxmessage_add")).status_code == 403
    url = reverse("admin:portal_outboxmessage_change", args=[message.pk])
    assert clerk.post(url, {"to": "pirate@exemple.fr", "body_text": "x"}).status_code == 403
    assert OutboxMessage.objects.get(id=message.id).to == "a@exemple.fr"


# -------------------------------------------------------------------- the group itself


def test_the_accounting_group_grants_no_token_no_delete_no_account_creation():
    group = services.accounting_group_sync()
    granted = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert granted == set(services.accounting_permissions().values_list("content_type__app_label", "codename"))
    assert {app for app, _ in granted} <= set(accounting_apps())
    assert not [codename for _, codename in granted if codename.startswith("delete_")]
    assert ("portal", "view_user") in granted and ("portal", "change_user") in granted
    assert ("portal", "add_user") not in granted
    edits = {(app, codename) for app, codename in granted if not codename.startswith("view_")}
    expected = {(label.split(".")[0], f"{action}_{label.split('.')[1]}")
                for label, actions in accounting_edits().items() for action in actions}
    assert edits == {edit for edit in expected if edit[0] != "courrier"}  # courrier: not installed yet
    assert ("portal", "view_outboxmessage") in granted and ("portal", "change_outboxmessage") not in granted


def test_every_model_the_group_edits_exists():
    from django.apps import apps

    for label, actions in accounting_edits().items():
        app_label, model = label.split(".")
        if app_label == "courrier" and not apps.is_installed("courrier"):
            continue
        apps.get_model(app_label, model)  # LookupError on a typo
        assert set(actions) <= {"add", "change"}, label


def test_migrate_removes_what_an_earlier_version_granted_the_group():
    """An existing database: the group holds token, delete and account permissions. The next
    ``migrate`` (a deployment) leaves it with exactly its permissions."""
    group, _ = Group.objects.get_or_create(name=ACCOUNTING_GROUP)
    group.permissions.set(Permission.objects.filter(content_type__app_label__in=["portal", "authtoken"]))
    assert group.permissions.filter(codename__in=["add_token", "add_user", "delete_user"]).count() == 3
    call_command("migrate", verbosity=0)
    assert set(group.permissions.all()) == set(services.accounting_permissions())
    assert not group.permissions.filter(codename__in=["add_token", "add_user", "delete_user"]).exists()


@pytest.mark.parametrize("app_label", SUPERUSER_ONLY_APPS)
def test_superuser_only_apps_stay_closed_to_a_clerk_granted_their_permissions(clerk, accounting_user, app_label):
    """Tokens, groups, the beat schedule (it runs any task with any arguments), axes."""
    from django.contrib import admin

    grant(accounting_user, app_label=app_label)
    models = [model for model in admin.site._registry if model._meta.app_label == app_label]
    assert models
    for model in models:
        opts = model._meta
        for page in ("changelist", "add"):
            assert clerk.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_{page}")).status_code == 403, model
    assert clerk.get(reverse("admin:app_list", args=[app_label])).status_code == 404
