"""The admin's access matrix: every named admin URL — the site's pages and, for every model
registered by any app's ``admin.py``, changelist, add, change, delete, history and custom
views — and every admin action, for a superuser, an accounting clerk, a broker's
administrator and an anonymous visitor, against the demo data (``seed_demo``).

``RIGHTS`` says what the superuser and a clerk may do on each model, ``CUSTOM_VIEWS`` and
``CUSTOM_ACTIONS`` what they may open and run beyond that. A model, view or action that is not
declared here fails the test: a new admin page cannot ship without its expected access.
Outcomes: ``edit`` (a form with "Enregistrer"), ``read`` (the same page without it), ``login``
(sent to the admin's login page), or the status code.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from axes.models import AccessFailureLog
from django.contrib import admin
from django.contrib.admin.sites import AdminSite
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.urls import URLPattern, reverse
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from portal import accounts, clock, services
from portal.models import Organisation, Role, User
from tests.access import assert_statuses
from tests.files import PDF_BYTES

pytestmark = pytest.mark.django_db
ROLES = ("superuser", "clerk", "broker", "anonymous")

# What the superuser and an accounting clerk may do on each model in the admin: v view, a add,
# c change, d delete; "" nothing (403 on each of its pages). Per object where it differs
# (OBJECT_RIGHTS).
RIGHTS: dict[str, tuple[str, str]] = {
    # Only superusers: groups and permissions, API tokens, the beat schedule, login throttling.
    "auth.group": ("vacd", ""),
    "authtoken.tokenproxy": ("vacd", ""),
    "django_celery_beat.periodictask": ("vacd", ""),
    "django_celery_beat.clockedschedule": ("vacd", ""),
    "django_celery_beat.crontabschedule": ("vacd", ""),
    "django_celery_beat.solarschedule": ("vacd", ""),
    "django_celery_beat.intervalschedule": ("vacd", ""),
    "axes.accessattempt": ("vcd", ""),
    "axes.accesslog": ("vcd", ""),
    "axes.accessfailurelog": ("vcd", ""),
    # The platform.
    "portal.organisation": ("vacd", "vac"),
    "portal.user": ("vacd", "vc"),  # clerks: brokers' accounts only (OBJECT_RIGHTS)
    "portal.delegationprofile": ("vacd", "vac"),
    "portal.member": ("vacd", "vac"),
    "portal.contact": ("vacd", "vac"),
    "portal.policy": ("vacd", "vac"),
    "portal.product": ("vacd", "vac"),
    "portal.premiumcall": ("vd", "v"),  # from the insurer's system (API, CSV import)
    "portal.payment": ("vd", "v"),
    "portal.storeddocument": ("vd", "v"),
    "portal.outboxmessage": ("vd", "v"),
    "portal.digestitem": ("vd", "v"),
    # Help requests come from the brokers' users and are never deleted (a dossier n° is never
    # given twice); staff answer them. The FAQ and the footer's pages are edited by staff.
    "portal.helprequest": ("vc", "vc"),
    "portal.faqcategory": ("vacd", "vac"),
    "portal.faqentry": ("vacd", "vac"),
    "portal.sitepage": ("vc", "vc"),
    "portal.newsitem": ("vacd", "vac"),  # « Nouveautés » (issue 13 §6)
    # Accounts: memberships are changed by superusers through the services (never deleted: deactivated);
    # the audit is read-only; API tokens are issued by a command, revoked by superusers.
    "portal.membership": ("vac", "v"),
    "portal.accountaudit": ("v", "v"),
    "portal.apitoken": ("vd", "v"),
    # Cycle amiable: decisions and manual follow-up are changes; letters and events are issued.
    "amiable.extensionrequest": ("vc", "vc"),
    "amiable.case": ("vc", "vc"),
    "amiable.collectioncase": ("vc", "v"),
    # Billing: prices and accounts; money rows are read-only.
    "billing.price": ("vacd", "vac"),
    "billing.account": ("vc", "vc"),
    "billing.ledgerentry": ("v", "v"),
    "billing.creditpurchase": ("v", "v"),
    "billing.receipt": ("v", "v"),
    "billing.invoice": ("v", "v"),
    # Résiliation: the insurers' directory and requests, ORIAS certificates; the providers'
    # records are read-only to clerks.
    "resiliation.insurer": ("vacd", "vac"),
    "resiliation.insurerrequest": ("vacd", "vc"),
    "resiliation.oriascertificate": ("vacd", "vc"),
    "resiliation.terminationletter": ("vc", "v"),
    "resiliation.signaturerequest": ("vcd", "v"),  # written by the providers: never added here
    "resiliation.webhookevent": ("vcd", "v"),  # written by the providers: never added here
    "resiliation.identityverification": ("vcd", "v"),  # written by the providers: never added here
    "resiliation.sandboxwebhookdelivery": ("vacd", "v"),
    # Paper mail: read-only to everyone in the admin (pages, API and services change envelopes).
    "courrier.envelope": ("v", "v"),
    "courrier.webhookevent": ("v", "v"),
    # Commissions: rates with dates of effect (history once used); issued statements are read-only.
    "commissions.commissionrate": ("vacd", "vac"),
    "commissions.statement": ("v", "v"),
    # Certificates: staff keep the products' main guarantees; certificates are stored as issued.
    "certificates.productguarantee": ("vacd", "vac"),
    "certificates.certificate": ("v", "v"),
    # Library (issue 13 §4): staff add versions; an issued version is never changed; a superuser
    # deletes one only before its date of effect (OBJECT_RIGHTS).
    "library.productdocument": ("vad", "va"),
    # Quotes (issue 13 §5): trades and grids kept by staff (a grid in effect is never changed:
    # OBJECT_RIGHTS); quotes are issued by brokers, read-only here.
    "quotes.trade": ("vacd", "vac"),
    "quotes.tariff": ("vacd", "vac"),
    "quotes.quote": ("v", "v"),
}

# Views a model admin adds (get_urls), by URL name: superuser's and clerk's outcome.
CUSTOM_VIEWS: dict[str, tuple[str, str]] = {
    "auth_user_password_change": ("200", "403"),  # UserAdmin: setting a password is for superusers
    "amiable_extensionrequest_document": ("200", "200"),
    "amiable_extensionrequest_decide": ("404", "404"),  # POST only (the decision buttons)
    "amiable_collectioncase_export": ("200", "200"),
    "billing_receipt_pdf": ("200", "200"),
    "portal_storeddocument_download": ("200", "200"),  # through portal.files (detected type, nosniff)
    "billing_invoice_pdf": ("200", "200"),
    "portal_helprequest_answer": ("200", "200"),  # « Répondre » (also embedded in the change page)
    "portal_helprequest_attachment": ("404", "404"),  # visited with the request's id as the file's: not its file
    "commissions_statement_pdf": ("200", "200"),
}

# Actions beyond "delete_selected" (offered with the delete right), by model: the right they need.
CUSTOM_ACTIONS: dict[str, dict[str, str]] = {
    "amiable.extensionrequest": {"approve": "c", "refuse": "c"},
    "amiable.case": {"manual_on": "c", "manual_off": "c"},
    "amiable.collectioncase": {"export_csv": "v"},
    "resiliation.insurerrequest": {"mark_done": "c"},  # the clerks keep the directory (change right)
    "portal.helprequest": {"assign_to_me": "c", "close_requests": "c"},
    "axes.accessattempt": {"cleanup_expired_attempts": "v"},
    "django_celery_beat.periodictask": {"enable_tasks": "v", "disable_tasks": "v", "toggle_tasks": "v",
                                        "run_tasks": "v"},
}

OBJECT_KINDS = ("change", "delete", "history")
# What saves a change form: Django's button, or an extension request's decision buttons.
SAVE_BUTTONS = ('name="_save"', 'name="decision"')


@pytest.fixture
def demo(client_for):
    """The demo data, plus a row of every model the demo leaves empty, and the four visitors."""
    call_command("seed_demo", stdout=StringIO())
    courtier = User.objects.get(email="courtier@demo.test")
    superuser = services.user_create(email="root@auxiliaire.test", password="x", role=Role.ACCOUNTING)
    User.objects.filter(id=superuser.id).update(is_superuser=True)
    superuser.refresh_from_db()
    system = services.user_create(email="systeme@auxiliaire.test", password=None, role=Role.SYSTEM)
    _rows_the_demo_lacks(courtier)
    # Login throttling rows: a successful then a failed login through the real form.
    Client().post("/compte/connexion/", {"username": courtier.email, "password": "demo"})
    Client().post("/compte/connexion/", {"username": courtier.email, "password": "faux"})
    return {
        "users": {"superuser": superuser, "clerk": User.objects.get(email="compta@demo.test"), "broker": courtier,
                  "system": system},
        "clients": {"superuser": client_for(superuser), "clerk": client_for(User.objects.get(email="compta@demo.test")),
                    "broker": client_for(courtier), "anonymous": client_for(None)},
    }


def _rows_the_demo_lacks(courtier: User) -> None:
    from amiable import services as amiable_services
    from amiable.models import Case, Stage
    from billing import services as billing_services
    from resiliation import services as resiliation_services

    today = clock.business_today()
    case = Case.objects.filter(stage=Stage.OPEN, answer="", broker_manages=True, policy__broker=courtier.organisation,
                               reminder_date__lt=today, response_deadline__gte=today).first()
    amiable_services.case_answer(case=case, by=courtier, requested=True, reason="other", comment="Pièce jointe",
                                 today=today, calendar=clock.business_calendar(),
                                 document=SimpleUploadedFile("echeancier.pdf", PDF_BYTES))
    billing_services.price_schedule(product="paper_mail_lettre_verte", amount=Decimal("1.20"), valid_from=today + timedelta(30),
                                    today=today)
    resiliation_services.insurer_request_create(by=courtier, name="Mutuelle Nouvelle")
    accounts.api_token_issue(membership=courtier.memberships.first())
    resiliation_services.identity_check_start(user=courtier, mobile_phone="0612345678", email=courtier.email, confirmed=True,
                                  price_accepted=True, now=clock.local_now())
    # A Pyramide Artisan grid not in effect yet (staff prepare next year's).
    from quotes.models import Tariff

    upcoming = Tariff.objects.order_by("-effective_from").first()
    upcoming.pk, upcoming.effective_from = None, today + timedelta(days=60)
    upcoming.save()
    # The beat schedule's own models (third-party, no service of ours).
    every_minute = CrontabSchedule.objects.create(minute="*")
    PeriodicTask.objects.create(name="test", task="portal.tasks.outbox_flush_task", crontab=every_minute)
    IntervalSchedule.objects.create(every=10, period=IntervalSchedule.MINUTES)
    SolarSchedule.objects.create(event="sunrise", latitude=45.19, longitude=5.72)
    ClockedSchedule.objects.create(clocked_time=clock.local_now())
    AccessFailureLog.objects.create(username=courtier.email, ip_address="127.0.0.1", user_agent="test",
                                    path_info="/compte/connexion/", locked_out=False)


def object_rights(label: str, demo) -> list[tuple[str, object, tuple[str, str]]]:
    """The rows whose pages are visited, each with the rights on it (superuser, clerk)."""
    from billing.models import Price

    users = demo["users"]
    if label == "portal.user":
        return [
            ("compte de courtier", users["broker"], ("vacd", "vc")),
            ("le clerc lui-même", users["clerk"], ("vacd", "v")),
            ("superutilisateur", users["superuser"], ("vacd", "v")),
            ("compte système", users["system"], ("vacd", "v")),
        ]
    if label == "billing.price":
        today = clock.business_today()
        return [
            ("prix en vigueur", Price.objects.filter(valid_from__lte=today).first(), ("v", "v")),
            ("prix à venir", Price.objects.filter(valid_from__gt=today).first(), ("vcd", "vc")),
        ]
    if label == "commissions.commissionrate":
        from commissions.models import CommissionRate

        return [
            ("taux appliqué", CommissionRate.objects.filter(lines__isnull=False).first(), ("v", "v")),
            ("taux à venir", CommissionRate.objects.filter(effective_from__gt=clock.business_today()).first(),
             ("vcd", "vc")),
        ]
    if label == "library.productdocument":
        from library.models import ProductDocument

        today = clock.business_today()
        return [
            ("version publiée", ProductDocument.objects.filter(effective_from__lte=today).first(), ("v", "v")),
            ("version à venir", ProductDocument.objects.filter(effective_from__gt=today).first(), ("vd", "v")),
        ]
    if label == "quotes.tariff":
        from quotes.models import Tariff

        today = clock.business_today()
        return [
            ("grille en vigueur", Tariff.objects.filter(effective_from__lte=today).first(), ("v", "v")),
            ("grille à venir", Tariff.objects.filter(effective_from__gt=today).first(), ("vcd", "vc")),
        ]
    if label == "amiable.extensionrequest":
        from amiable.models import ExtensionRequest

        return [("avec document", ExtensionRequest.objects.exclude(document=None).first(), RIGHTS[label])]
    model_admin = admin.site.get_model_admin(_model(label))
    request = RequestFactory().get("/")
    request.user = users["superuser"]
    return [("", model_admin.get_queryset(request).order_by("pk").first(), RIGHTS[label])]


def _model(label: str):
    from django.apps import apps

    return apps.get_model(label)


def outcome(response) -> str:
    if response.status_code == 302:
        location = response["Location"]
        return "login" if location.startswith("/admin/login/") else f"302 {location}"
    if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
        html = response.content.decode()
        if "<form" in html and 'id="content-main"' in html and ("_save" in html or "readonly" in html):
            return "edit" if any(button in html for button in SAVE_BUTTONS) else "read"
    return str(response.status_code)


def expected_on_model(kind: str, rights: str) -> str:
    if kind in ("changelist", "history"):
        return "200" if "v" in rights or "c" in rights else "403"
    if kind == "add":
        return "edit" if "a" in rights else "403"
    if kind == "change":
        return "edit" if "c" in rights else "read" if "v" in rights else "403"
    if kind == "delete":
        return "200" if "d" in rights else "403"
    raise AssertionError(kind)


def model_urls(label: str, model_admin, demo):
    """(label, url, expected by role) for every named URL of one model admin."""
    opts = model_admin.model._meta
    prefix = f"{opts.app_label}_{opts.model_name}_"
    for pattern in model_admin.get_urls():
        if not isinstance(pattern, URLPattern) or not pattern.name:
            continue
        kind = pattern.name.removeprefix(prefix) if pattern.name.startswith(prefix) else pattern.name
        params = list(pattern.pattern.converters)
        if kind in ("changelist", "add"):
            rights = RIGHTS[label]
            yield kind, reverse(f"admin:{pattern.name}"), {"superuser": expected_on_model(kind, rights[0]),
                                                          "clerk": expected_on_model(kind, rights[1])}
            continue
        for what, obj, rights in object_rights(label, demo):
            assert obj is not None, f"{label} : aucune ligne {what} dans les données de démonstration"
            object_id = obj.user_id if label == "authtoken.tokenproxy" else obj.pk  # tokens are shown by user
            url = reverse(f"admin:{pattern.name}", kwargs=dict.fromkeys(params, object_id))
            if kind in OBJECT_KINDS:
                expected = {"superuser": expected_on_model(kind, rights[0]),
                            "clerk": expected_on_model(kind, rights[1])}
            elif pattern.name in CUSTOM_VIEWS:
                expected = dict(zip(("superuser", "clerk"), CUSTOM_VIEWS[pattern.name], strict=True))
            else:
                raise AssertionError(f"Vue d'administration sans accès attendu : {pattern.name} (CUSTOM_VIEWS)")
            yield f"{kind} {what}".strip(), url, expected


def site_urls(demo):
    """The admin site's own pages (not a model's)."""
    signed_in_staff = {"superuser": "200", "clerk": "200"}
    organisation = Organisation.objects.first()
    pages = {
        "index": (reverse("admin:index"), signed_in_staff),
        "login": (reverse("admin:login"), {"superuser": "302 /admin/", "clerk": "302 /admin/", "broker": "200",
                                          "anonymous": "200"}),
        # POST only; the others are sent to the index (then to the login page)
        "logout": (reverse("admin:logout"), {"superuser": "405", "clerk": "405", "broker": "302 /admin/",
                                            "anonymous": "302 /admin/"}),
        "password_change": (reverse("admin:password_change"), signed_in_staff),  # one's own
        "password_change_done": (reverse("admin:password_change_done"), signed_in_staff),
        "jsi18n": (reverse("admin:jsi18n"), signed_in_staff),
        "autocomplete": (reverse("admin:autocomplete") + "?app_label=portal&model_name=delegationprofile"
                         "&field_name=organisation&term=D", signed_in_staff),
        "view_on_site": (reverse("admin:view_on_site", args=[ContentType.objects.get_for_model(Organisation).pk,
                                                             organisation.pk]),
                         {"superuser": "404", "clerk": "404"}),  # no page of its own
    }
    clerk_apps = {"portal", "amiable", "billing", "resiliation", "courrier", "commissions", "certificates", "library",
                  "quotes"}
    for app_label in sorted({model._meta.app_label for model in admin.site._registry}):
        pages[f"app_list {app_label}"] = (reverse("admin:app_list", args=[app_label]),
                                          {"superuser": "200", "clerk": "200" if app_label in clerk_apps else "404"})
    names = {pattern.name for pattern in AdminSite.get_urls(admin.site) if isinstance(pattern, URLPattern)}
    assert names - {None} == {name.split()[0] for name in pages}, "page du site d'administration sans accès attendu"
    for name, (url, expected) in pages.items():
        yield name, url, expected


@pytest.mark.slow
def test_every_admin_url_and_action_for_every_role(demo):
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == set(RIGHTS), (f"modèles sans droits attendus : {sorted(registered - set(RIGHTS))}, "
                                       f"droits sans modèle : {sorted(set(RIGHTS) - registered)}")
    visits = list(site_urls(demo))
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        visits += [(f"{label} {kind}", url, expected) for kind, url, expected in model_urls(label, model_admin, demo)]
    assert len(visits) > 200
    results = []
    for name, url, expected in visits:
        for role in ROLES:
            wanted = expected.get(role, "login")  # brokers and visitors never get in
            response = demo["clients"][role].get(url)
            results.append((f"{name} ({url}) as {role}", outcome(response), {wanted}))
    results += action_results(demo)
    assert_statuses(results)


def action_results(demo):
    """The actions offered on each changelist (what a POST to it may run)."""
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        custom = CUSTOM_ACTIONS.get(label, {})
        for role, rights in zip(("superuser", "clerk"), RIGHTS[label], strict=True):
            if "v" not in rights and "c" not in rights:
                continue  # the list itself is refused
            request = RequestFactory().get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
            request.user = demo["users"][role]
            offered = set(model_admin.get_actions(request))
            expected = {name for name, needs in custom.items() if needs in rights}
            if "d" in rights and model_admin.actions is not None:
                expected.add("delete_selected")
            yield f"{label} actions as {role}", ",".join(sorted(offered)), {",".join(sorted(expected))}
