"""Statements: computed from the premiums collected × the rate in effect at the payment date,
issued once per organisation and month, frozen; late and withdrawn payments go to the next one."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from commissions import documents, services
from commissions.models import CommissionRate, LineKind, Statement, StatementLine
from commissions.tasks import statements_issue_task
from portal.errors import ApplicationError

FEB = date(2026, 2, 1)
TODAY = date(2026, 3, 2)


def issue(month=FEB, today=TODAY):
    return services.statements_issue(period_start=month, today=today)


def test_a_statement_per_organisation_with_a_line_per_payment_at_the_rate_of_its_date(org, other_org, february):
    run = issue()
    assert run.count == 2
    statement = Statement.objects.get(organisation=org)
    lines = {line.payment_reference: line for line in statement.lines.all()}
    first, second, fleet = (lines[february[key].reference] for key in ("first", "second", "fleet"))
    assert (first.kind, first.premium, first.rate, first.commission) == (
        LineKind.COLLECTED, Decimal("100.05"), Decimal("15.00"), Decimal("15.01"))
    assert (second.rate, second.commission) == (Decimal("16.00"), Decimal("53.33"))  # rate of 15/02 onwards
    assert (fleet.rate, fleet.commission_rate, fleet.commission) == (None, None, Decimal("0.00"))
    assert february["foreign"].reference not in lines
    # totals = sums of the rounded lines; VAT-exempt with its mention
    assert statement.line_count == 3
    assert statement.premium_total == Decimal("933.38")
    assert statement.commission_total == Decimal("68.34")
    assert statement.vat_rate == 0 and statement.vat_amount == 0
    assert statement.total_including_tax == Decimal("68.34")
    assert "261 C" in statement.vat_mention
    assert statement.number == "RC-202602-07000001"
    assert statement.snapshot["organisation"]["name"] == "Cabinet Un SARL"
    assert (first.policy_number, first.member_number, first.company_name, first.product_name) == (
        "P-A1", "M-1", "=DUPONT SARL", "Pyramide Artisan")


def test_issuing_twice_issues_nothing_twice(org, february):
    assert issue().count == 2
    assert issue().count == 0
    call_command("commissions_issue", "--month", "2026-02", stdout=__import__("io").StringIO())
    assert Statement.objects.count() == 2
    assert StatementLine.objects.count() == 4


def test_the_database_refuses_a_second_statement_for_a_month_or_a_payment_stated_twice(org, february):
    issue()
    statement = Statement.objects.get(organisation=org)
    with pytest.raises(IntegrityError), transaction.atomic():
        Statement.objects.create(number="X", organisation=org, period_start=FEB, period_end=date(2026, 2, 28),
                                 issued_on=TODAY, line_count=0, premium_total=0, commission_total=0, vat_rate=0,
                                 vat_amount=0, total_including_tax=0)
    line = statement.lines.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        StatementLine.objects.create(statement=statement, kind=LineKind.LATE, payment=line.payment,
                                     payment_reference="x", paid_on=line.paid_on, policy=line.policy,
                                     premium=1, commission=0)


def test_a_month_not_over_or_not_a_month_is_refused(org, february):
    with pytest.raises(ApplicationError, match="ne sera terminé que le 31/03/2026"):
        issue(month=date(2026, 3, 1))
    with pytest.raises(ApplicationError, match="commence le 1er"):
        issue(month=date(2026, 2, 2))
    assert not Statement.objects.exists()


def test_a_late_payment_goes_to_the_next_statement_and_the_issued_one_never_changes(org, february, premium, pay):
    issue()
    statement = Statement.objects.get(organisation=org)
    pdf = documents.statement_document_ensure(statement_id=statement.pk)
    before = (statement.line_count, statement.commission_total, pdf.sha256)
    call = premium("EM-A3", broker=org, policy_number="P-A3", member_number="M-3", company_name="LATE SA")
    late = pay(call, "200.00", date(2026, 2, 27), today=date(2026, 3, 5))  # recorded after February was issued
    march = pay(february["calls"]["first"], "50.00", date(2026, 3, 10), today=date(2026, 4, 1))
    issue(month=date(2026, 3, 1), today=date(2026, 4, 1))
    statement.refresh_from_db()
    assert (statement.line_count, statement.commission_total, statement.document.sha256) == before
    assert documents.statement_document_ensure(statement_id=statement.pk).pk == pdf.pk
    following = Statement.objects.get(organisation=org, period_start=date(2026, 3, 1))
    kinds = {line.payment_reference: (line.kind, line.commission) for line in following.lines.all()}
    assert kinds == {late.reference: (LineKind.LATE, Decimal("32.00")),  # 16 % at its date
                     march.reference: (LineKind.COLLECTED, Decimal("8.00"))}
    assert following.commission_total == Decimal("40.00")


def test_a_withdrawn_payment_is_given_back_on_the_next_statement(org, february, pay):
    issue()
    february["second"].delete()  # the insurer withdraws it (a rejected direct debit)
    issue(month=date(2026, 3, 1), today=date(2026, 4, 1))
    reversal = StatementLine.objects.get(kind=LineKind.REVERSAL)
    assert reversal.statement.period_start == date(2026, 3, 1)
    assert (reversal.premium, reversal.rate, reversal.commission) == (Decimal("-333.33"), Decimal("16.00"),
                                                                      Decimal("-53.33"))
    assert reversal.reverses.statement.period_start == FEB
    assert reversal.statement.commission_total == Decimal("-53.33")
    # given back once
    issue(month=date(2026, 4, 1), today=date(2026, 5, 4))
    assert StatementLine.objects.filter(kind=LineKind.REVERSAL).count() == 1


def test_an_earlier_month_is_not_issued_after_a_later_one(org, february, pay):
    issue(month=date(2026, 3, 1), today=date(2026, 4, 1))  # March first: nothing of March, nothing issued
    assert not Statement.objects.exists()
    pay(february["calls"]["first"], "10.00", date(2026, 3, 3), today=date(2026, 4, 1))
    issue(month=date(2026, 3, 1), today=date(2026, 4, 1))
    assert issue().count == 1  # the other organisation only
    assert not Statement.objects.filter(organisation=org, period_start=FEB).exists()


def test_the_pdf_is_stored_with_its_sha256(org, february):
    issue()
    statement = Statement.objects.get(organisation=org)
    document = documents.statement_document_ensure(statement_id=statement.pk)
    content = document.file.open("rb").read()
    assert content.startswith(b"%PDF")
    import hashlib

    assert hashlib.sha256(content).hexdigest() == document.sha256
    assert document.original_name.endswith(".pdf")


def test_the_beat_job_issues_last_month(org, february, settings):
    assert settings.CELERY_BEAT_SCHEDULE["commissions-monthly-statements"]["task"] == (
        "commissions.tasks.statements_issue_task")
    assert statements_issue_task() == 2
    assert statements_issue_task() == 0


# ---------------------------------------------------------------------------- rates


def test_a_rate_used_by_an_issued_statement_never_changes(org, february, products):
    issue()
    used = CommissionRate.objects.get(product=products["artisan"], effective_from=date(2026, 2, 15))
    with pytest.raises(ApplicationError, match="déjà servi"):
        services.check_rate(product=used.product, rate="17", effective_from=date(2026, 4, 1), instance=used)
    with pytest.raises(IntegrityError), transaction.atomic():  # the issued line protects it
        used.delete()


@pytest.mark.parametrize(("rate", "effective_from", "message"), [
    ("101", date(2026, 4, 1), "entre 0 et 100"),
    ("-1", date(2026, 4, 1), "entre 0 et 100"),
    ("12.345", date(2026, 4, 1), "au centième"),
    ("abc", date(2026, 4, 1), "pourcentage"),
    ("12", date(2026, 2, 20), "émis jusqu'au 28/02/2026"),
    ("12", None, "date d'effet"),
])
def test_bad_rates_are_refused_in_french(org, february, products, rate, effective_from, message):
    issue()
    count = CommissionRate.objects.count()
    with pytest.raises(ApplicationError, match=message):
        services.rate_add(product=products["fleet"], rate=rate, effective_from=effective_from)
    assert CommissionRate.objects.count() == count


def test_one_rate_per_product_and_date(products):
    with pytest.raises(ApplicationError, match="déjà un taux"):
        services.rate_add(product=products["artisan"], rate="20", effective_from=date(2026, 2, 15))


def test_a_new_rate_applies_from_its_date(org, february, products, pay):
    issue()
    services.rate_add(product=products["fleet"], rate=Decimal("8.75"), effective_from=date(2026, 3, 1))
    payment = pay(february["calls"]["fleet"], "100.00", date(2026, 3, 4), today=date(2026, 4, 1))
    issue(month=date(2026, 3, 1), today=date(2026, 4, 1))
    assert StatementLine.objects.get(payment=payment).commission == Decimal("8.75")


def test_the_database_refuses_any_change_of_an_issued_statement(org, february):
    issue()
    statement = Statement.objects.get(organisation=org)
    line = statement.lines.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Statement.objects.filter(pk=statement.pk).update(commission_total=Decimal("1.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        StatementLine.objects.filter(pk=line.pk).update(commission=Decimal("1.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        StatementLine.objects.filter(pk=line.pk).update(payment=None, premium=Decimal("1.00"))
    documents.statement_document_ensure(statement_id=statement.pk)  # attaching the PDF once is accepted
    with pytest.raises(IntegrityError), transaction.atomic():
        Statement.objects.filter(pk=statement.pk).update(document=None)


def test_the_command_says_what_it_issued_and_refuses_bad_months_in_french(org, february):
    import io

    from django.core.management.base import CommandError

    out = io.StringIO()
    call_command("commissions_issue", "--render", stdout=out)  # last month by default
    assert "2 relevé(s) de commissions émis pour 02/2026 : RC-202602-07000001" in out.getvalue()
    assert Statement.objects.filter(document__isnull=False).count() == 2
    for bad, message in (("2026-13", "AAAA-MM"), ("2026-03", "ne sera terminé que")):
        with pytest.raises(CommandError, match=message):
            call_command("commissions_issue", "--month", bad, stdout=io.StringIO())


def test_the_render_task_attaches_the_pdf_once(org, february):
    from commissions.tasks import statement_render_task

    issue()
    statement = Statement.objects.get(organisation=org)
    first = statement_render_task(statement.pk)
    assert statement_render_task(statement.pk) == first
