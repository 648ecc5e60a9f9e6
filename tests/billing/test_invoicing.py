"""Monthly invoices: lines, VAT, one per month, gap-free numbering, catch-up, command, beat."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from billing import invoicing, numbering
from billing.models import Invoice, NumberSequence
from billing.rules import previous_month, vat_split
from billing.services import LineItem, account_debit, account_refund
from billing.tasks import invoices_issue_task
from portal.celery import app
from portal.errors import ApplicationError

FEB = date(2026, 2, 1)
MARCH_1 = date(2026, 3, 1)


@pytest.fixture
def february(org, other_org, buy, set_today):
    """Consumption of two organisations in February 2026 (and one debit in January)."""
    set_today("2026-01-20")
    buy(org, "100.00")
    buy(other_org, "100.00")
    january = account_debit(organisation=org, items=[LineItem("lre")], idempotency_key="jan", label="J",
                            on=date(2026, 1, 20))
    set_today("2026-02-10")
    debits = [
        account_debit(organisation=org, items=[LineItem("lre_ar"), LineItem("esignature")],
                      idempotency_key=f"feb:{n}", label=f"Lettre {n}", on=date(2026, 2, 10)) for n in range(3)
    ]
    account_debit(organisation=org, items=[LineItem("paper_lettre_verte"), LineItem("paper_extra_sheet", 2),
                                           LineItem("first_page_address")],
                  idempotency_key="paper", label="Courrier", on=date(2026, 2, 11))
    account_refund(debit=debits[2], reason="Annulé", on=date(2026, 2, 12))
    account_refund(debit=january, reason="Annulé tard", on=date(2026, 2, 12))  # January's, refunded in February
    account_debit(organisation=other_org, items=[LineItem("identity_check")], idempotency_key="id",
                  label="Identité", on=date(2026, 2, 27))
    set_today("2026-03-02")


def test_invoice_lists_the_month_consumption_with_vat(org, february):
    run = invoicing.invoices_issue(period_start=FEB, today=MARCH_1)
    assert run.count == 2
    invoice = Invoice.objects.get(account__organisation=org)
    lines = {(line.product, line.quantity, line.unit_price, line.amount) for line in invoice.lines.all()}
    assert lines == {
        ("lre", -1, Decimal("2.97"), Decimal("-2.97")),  # January's letter refunded in February
        ("lre_ar", 2, Decimal("3.78"), Decimal("7.56")),
        ("esignature", 2, Decimal("1.50"), Decimal("3.00")),
        ("first_page_address", 1, Decimal("-0.10"), Decimal("-0.10")),
        ("paper_lettre_verte", 1, Decimal("1.14"), Decimal("1.14")),
        ("paper_extra_sheet", 2, Decimal("0.18"), Decimal("0.36")),
    }
    total = Decimal("-2.97") + Decimal("7.56") + Decimal("3.00") - Decimal("0.10") + Decimal("1.14") + Decimal("0.36")
    assert invoice.total_including_tax == total == Decimal("8.99")
    assert invoice.total_excluding_tax == Decimal("7.49") and invoice.total_tax == Decimal("1.50")
    assert invoice.vat_rate == Decimal("20.00")
    assert (invoice.period_start, invoice.period_end, invoice.issued_on) == (FEB, date(2026, 2, 28), MARCH_1)


def test_issuing_is_idempotent_and_numbers_have_no_gap(org, other_org, february, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = invoicing.invoices_issue(period_start=FEB, today=MARCH_1)
    # each PDF is rendered by Celery after its invoice's transaction committed
    assert sorted((c.func.__self__.name, c.args) for c in callbacks) == [
        ("billing.tasks.invoice_render_task", (invoice.pk,)) for invoice in sorted(first.issued, key=lambda i: i.pk)
    ]
    again = invoicing.invoices_issue(period_start=FEB, today=date(2026, 3, 5))
    assert again.count == 0
    assert sorted(invoice.number for invoice in first.issued) == ["M000001", "M000002"]
    assert list(Invoice.objects.order_by("sequence").values_list("sequence", flat=True)) == [1, 2]


def test_january_invoice_is_issued_late_without_touching_february(org, february):
    invoicing.invoices_issue(period_start=FEB, today=MARCH_1)
    late = invoicing.invoices_issue(period_start=date(2026, 1, 1), today=date(2026, 3, 3))
    assert late.count == 1 and late.issued[0].number == "M000003"
    assert late.issued[0].total_including_tax == Decimal("2.97")


def test_a_month_not_over_cannot_be_invoiced(org, february):
    with pytest.raises(ApplicationError, match="ne peut pas encore être facturé"):
        invoicing.invoices_issue(period_start=date(2026, 3, 1), today=date(2026, 3, 31))
    with pytest.raises(ApplicationError, match="commence le 1er"):
        invoicing.invoices_issue(period_start=date(2026, 2, 2), today=MARCH_1)
    assert not Invoice.objects.exists()


def test_a_debit_dated_in_an_invoiced_month_is_refused(org, february):
    invoicing.invoices_issue(period_start=FEB, today=MARCH_1)
    with pytest.raises(ApplicationError, match="déjà facturé"):
        account_debit(organisation=org, items=[LineItem("lre")], idempotency_key="late", label="L",
                      on=date(2026, 2, 27))


def test_no_invoice_without_consumption(org, buy):
    buy(org, "30.00")
    assert invoicing.invoices_issue(period_start=FEB, today=MARCH_1).count == 0


def test_a_rolled_back_number_is_given_back(db):
    with pytest.raises(RuntimeError), transaction.atomic():
        assert numbering.number_take(name=numbering.INVOICE) == (1, "M000001")
        raise RuntimeError("the invoice insert failed")
    with transaction.atomic():
        assert numbering.number_take(name=numbering.INVOICE) == (1, "M000001")
        assert numbering.number_take(name=numbering.INVOICE) == (2, "M000002")
    with pytest.raises(RuntimeError, match="inside the transaction"):
        numbering.number_take(name=numbering.RECEIPT)
    assert NumberSequence.objects.get(name="invoice").last_value == 2


def test_management_command_issues_last_month_by_default(org, february, set_today):
    out = StringIO()
    call_command("billing_invoice_month", stdout=out)
    assert "2 facture(s) émise(s) pour 02/2026 : M000001, M000002" in out.getvalue()
    out = StringIO()
    call_command("billing_invoice_month", "--month", "2026-02", stdout=out)
    assert "0 facture(s)" in out.getvalue()
    with pytest.raises(CommandError, match="AAAA-MM"):
        call_command("billing_invoice_month", "--month", "février")
    with pytest.raises(CommandError, match="pas encore"):
        call_command("billing_invoice_month", "--month", "2026-03")


@pytest.mark.django_db(transaction=True)  # the scheduler closes and reopens its connection
def test_monthly_invoices_are_scheduled_on_the_first_paris_time_in_django_celery_beat():
    DatabaseScheduler(app=app)  # syncs CELERY_BEAT_SCHEDULE into the database
    entry = PeriodicTask.objects.get(name="billing-monthly-invoices")
    assert entry.task == "billing.tasks.invoices_issue_task"
    assert (entry.crontab.day_of_month, entry.crontab.hour, entry.crontab.minute) == ("1-7", "1", "30")
    assert str(entry.crontab.timezone) == "Europe/Paris"


def test_beat_job_on_the_first_invoices_the_previous_month(org, february, set_today):
    set_today("2026-03-01")
    assert invoices_issue_task.run() == 2  # the task body, called directly (no eager mode)
    assert invoices_issue_task.run() == 0


@pytest.mark.parametrize(("today", "expected"), [
    (date(2026, 3, 1), (date(2026, 2, 1), date(2026, 2, 28))),
    (date(2024, 3, 15), (date(2024, 2, 1), date(2024, 2, 29))),
    (date(2026, 1, 1), (date(2025, 12, 1), date(2025, 12, 31))),
])
def test_previous_month(today, expected):
    assert previous_month(today) == expected


@pytest.mark.parametrize(("ttc", "ht", "tva"), [
    ("3.78", "3.15", "0.63"), ("8.99", "7.49", "1.50"), ("0.01", "0.01", "0.00"), ("-2.97", "-2.48", "-0.49"),
    ("1200.00", "1000.00", "200.00"),
])
def test_vat_split_adds_up(ttc, ht, tva):
    assert vat_split(Decimal(ttc), Decimal("20")) == (Decimal(ht), Decimal(tva))
