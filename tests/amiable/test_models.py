"""What a case keeps of its policy and letters for "Gérer le cycle amiable" stays true, whatever
changes the policy or the member (the import, the admin), and is filled for existing cases."""

import importlib
from datetime import date
from types import SimpleNamespace

from django.apps import apps
from django.db import connection
from django.urls import reverse

from amiable import selectors
from amiable.models import Case, Letter
from portal.models import Member, Policy
from tests.amiable.conftest import CAL, DEFAULT

COPIES = ("broker_id", "member_id", "policy_number", "member_number", "company_name", "letter_date",
          "letter_unread")


def copies(case) -> tuple:
    return Case.objects.filter(id=case.id).values_list(*COPIES).get()


def test_a_policy_moved_to_another_broker_takes_its_cases_along(make_case, emission, other_org, admin_user,
                                                               other_admin, client_for, set_today):
    case = make_case(company_name="DÉMÉNAGÉE")
    set_today(DEFAULT)
    assert "DÉMÉNAGÉE" in client_for(admin_user).get(reverse("amiable:cases")).content.decode()
    emission(reference="EM-2", policy_number="P-1", member_number="M-1", company_name="DÉMÉNAGÉE", broker=other_org)
    assert Case.objects.get(id=case.id).broker_id == other_org.id
    assert "DÉMÉNAGÉE" not in client_for(admin_user).get(reverse("amiable:cases")).content.decode()
    assert "DÉMÉNAGÉE" in client_for(other_admin).get(reverse("amiable:cases")).content.decode()
    assert client_for(admin_user).get(reverse("amiable:answer", args=[case.id])).status_code == 404


def test_a_renamed_member_is_sorted_and_listed_by_its_new_name(make_case, emission, org, admin_user):
    first = make_case(company_name="ALPHA")
    make_case(reference="EM-2", policy_number="P-2", member_number="M-2", company_name="BRAVO")
    emission(reference="EM-3", policy_number="P-1", member_number="M-1", company_name="ZOULOU", broker=org)
    assert Case.objects.get(id=first.id).company_name == "ZOULOU"
    rows = selectors.case_rows_for(user=admin_user, today=DEFAULT, calendar=CAL, sort="company")
    assert [row.policy.member.company_name for row in rows[0:10]] == ["BRAVO", "ZOULOU"]
    clients, _ = selectors.case_clients_for(user=admin_user, search="zou")
    assert [client.company_name for client in clients] == ["ZOULOU"]


def test_a_policy_given_to_another_member_in_the_admin_moves_its_cases(make_case, admin_user, collaborator, delegate):
    case = make_case(company_name="ANCIEN")
    other = Member.objects.create(member_number="M-9", company_name="NOUVEAU")
    policy = Policy.objects.get(id=case.policy_id)
    policy.member = other
    policy.save()  # as the admin's change form does
    delegate(collaborator, [other])
    assert copies(case)[1:5] == (other.id, "P-1", "M-9", "NOUVEAU")
    assert [row.id for row in selectors.case_rows_for(user=collaborator, today=DEFAULT, calendar=CAL)[0:5]] == [case.id]


def test_an_import_that_changes_nothing_of_the_policy_changes_nothing_of_the_case(make_case, emission, org):
    case = make_case()
    before = Case.objects.filter(id=case.id).values_list("updated_at", *COPIES).get()
    emission(reference="EM-2", policy_number="P-1", member_number="M-1", company_name="ENTREPRISE", broker=org)
    assert Case.objects.filter(id=case.id).values_list("updated_at", *COPIES).get() == before


def test_the_migration_fills_the_columns_of_existing_cases(make_case, pay, tick, admin_user):
    from amiable import services
    from portal import clock

    read = make_case()
    reinstated = make_case(reference="EM-2", policy_number="P-2", member_number="M-2", company_name="AUTRE")
    services.letter_acknowledge(letter=Letter.objects.get(case=read), by=admin_user, now=clock.local_now())
    tick(date(2026, 2, 20))  # formal notices
    pay(reinstated, "1000.00", date(2026, 2, 23))
    tick(date(2026, 2, 23))  # reinstatement letter, unread
    written = {case.id: copies(case) for case in (read, reinstated)}
    assert written[reinstated.id][5:] == (date(2026, 2, 23), True)
    assert written[read.id][5:] == (date(2026, 2, 20), False)
    with connection.cursor() as cursor:  # the columns as migration 0005 adds them, before it fills them
        cursor.execute("UPDATE amiable_case SET broker_id = NULL, policy_number = '', member_number = '', "
                       "company_name = '', letter_date = '2000-01-01', letter_unread = FALSE")
    migration = importlib.import_module("amiable.migrations.0005_case_rows")
    migration.fill(apps, SimpleNamespace(connection=connection))
    assert {case.id: copies(case) for case in (read, reinstated)} == written
