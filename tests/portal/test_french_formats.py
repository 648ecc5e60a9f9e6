"""French formats everywhere: money in the admin, elided admin titles, the login's words on the
reset page, names starting with É sorted where a French reader expects them."""

from __future__ import annotations

import html
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from portal import services
from portal.formatting import format_money
from portal.models import Role

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def superuser(db):
    user = services.user_create(email="root@auxiliaire.test", password="x", role=Role.ACCOUNTING)
    user.is_superuser = user.is_staff = True
    user.save()
    return user


def test_admin_money_columns_read_like_money(superuser, client_for, emission, org):
    call = emission(amount="1504.96", broker=org)
    services.payments_import(rows=[services.PaymentRow(call.reference, Decimal("50"), date(2026, 2, 3), "VIR-1")],
                             today=date(2026, 2, 3))
    client = client_for(superuser)
    calls = text(client.get(reverse("admin:portal_premiumcall_changelist")))
    assert f">{format_money(Decimal('1504.96'))}<" in calls and f">{format_money(Decimal('50'))}<" in calls
    assert "1504,96" not in calls and "1 504,96 €" in calls.replace("\u202f", " ").replace("\u00a0", " ")
    payments = text(client.get(reverse("admin:portal_payment_changelist")))
    assert f">{format_money(Decimal('50'))}<" in payments and "50,00<" not in payments


def test_billing_admin_and_model_names_use_french_money(superuser, client_for, org, accounting_user):
    from billing import services as billing
    from billing.models import LedgerEntry

    billing.price_list_install_defaults()
    billing.account_adjust(organisation=org, amount=Decimal("1234.5"), reason="Geste", by=accounting_user,
                           on=date(2026, 3, 2))
    entry = LedgerEntry.objects.get()
    assert format_money(Decimal("1234.5")) in str(entry) and "1234.50 €" not in str(entry)
    ledger = text(client_for(superuser).get(reverse("admin:billing_ledgerentry_changelist")))
    assert ledger.count(f">{format_money(Decimal('1234.5'))}<") == 2  # amount, balance after
    account = text(client_for(superuser).get(reverse("admin:billing_account_change", args=[entry.account_id])))
    assert format_money(Decimal("1234.5")) in account and "1234,50" not in account


def test_admin_titles_elide_before_a_vowel(superuser, client_for):
    page = text(client_for(superuser).get(reverse("admin:portal_user_add")))
    assert "<h1>Ajout d’utilisateur</h1>" in page and "Ajout de utilisateur" not in page
    assert "<title>Ajout d’utilisateur |" in page
    cabinet = text(client_for(superuser).get(reverse("admin:portal_organisation_add")))
    assert "<h1>Ajout de cabinet</h1>" in cabinet  # a consonant: unchanged


def test_the_reset_page_says_adresse_e_mail_like_the_login(client_for):
    login = text(client_for(None).get(reverse("login")))
    reset = text(client_for(None).get(reverse("password_reset")))
    assert ">Adresse e-mail" in login and ">Adresse e-mail" in reset and "Courriel" not in reset


NAMES = ["TERRASSEMENT MOREL EI", "ÉLECTRICITÉ DAVID SARL", "BOULANGERIE ANDRÉ SAS", "Élagage Blanc", "ZINGUERIE ROUX"]


def french_order(names: list[str]) -> list[str]:
    from portal.sorting import sort_key

    return sorted(names, key=lambda name: (sort_key(name), name))


def test_names_starting_with_e_acute_sort_among_the_e(emission, org, admin_user, client_for, set_today):
    """On SQLite (bytes) and on a PostgreSQL cluster in the C collation, É sorts after Z."""
    from amiable import cycle
    from portal.businessdays import BusinessCalendar

    for index, name in enumerate(NAMES):
        emission(reference=f"EM-{index}", policy_number=f"P-{index}", member_number=f"M-{index}", company_name=name,
                 broker=org)
    cycle.amiable_tick(today=date(2026, 2, 12), calendar=BusinessCalendar())
    set_today(date(2026, 2, 13))
    page = text(client_for(admin_user).get(reverse("amiable:cases"), {"sort": "company"}))
    rows = page[page.index("<tbody>"):]
    assert sorted(NAMES, key=rows.index) == french_order(NAMES)
    assert french_order(NAMES).index("ÉLECTRICITÉ DAVID SARL") < french_order(NAMES).index("TERRASSEMENT MOREL EI")
    options = page[page.index('id="filter-client"'):page.index("</select>")]
    assert sorted(NAMES, key=options.index) == french_order(NAMES)


def test_the_sort_key_folds_accents_case_and_ligatures_in_the_database(db):
    from portal.models import Member
    from portal.sorting import SortKey, sort_key

    for index, name in enumerate(["Œuvre", "Élan", "eau", "Zoé", "école"]):
        Member.objects.create(member_number=f"S-{index}", company_name=name)
    keys = dict(Member.objects.annotate(key=SortKey("company_name")).values_list("company_name", "key"))
    assert keys == {name: sort_key(name) for name in keys} and keys["Œuvre"] == "oeuvre"
