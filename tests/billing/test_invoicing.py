"""Monthly invoices and credit notes: lines, VAT per line, one of each per month, gap-free
series, catch-up, command, beat."""

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
from billing.models import Invoice, InvoiceKind, NumberSequence
from billing.rules import vat_split
from billing.services import LineItem, account_debit, account_refund
from billing.tasks import invoices_issue_task
from portal.celery import app
from portal.errors import ApplicationError
from portal.months import previous_month

FEB = date(2026, 2, 1)
MARCH_1 = date(2026, 3, 1)


@pytest.fixture
def february(org, other_org, buy, set_today):
    """Consumption of two organisations in February 2026 (and one debit in January)."""
    set_today("2026-01-20")
    buy(org, "100.00")
    buy(other_org, "100.00")
    january = account_debit(organisation=org, items=[LineItem("registered_eletter")], idempotency_key="jan", label="J",
                            on=date(2026, 1, 20))
    set_today("2026-02-10")
    debits = [
        account_debit(organisation=org, items=[LineItem("registered_eletter_acknowledgement"), LineItem("esignature")],
                      idempotency_key=f"feb:{n}", label=f"Lettre {n}", on=date(2026, 2, 10)) for n in range(3)
    ]
    account_debit(organisation=org, items=[LineItem("paper_mail_lettre_verte"), LineItem("paper_mail_extra_sheet", 2),
                                           LineItem("first_page_address")],
                  idempotency_key="paper", label="Courrier", on=date(2026, 2, 11))
    account_refund(debit_entry_id=debits[2].pk, reason="Annulé", on=date(2026, 2, 12))
    account_refund(debit_entry_id=january.pk, reason="Annulé tard", on=date(2026, 2, 12))  # January's, refunded in February
    account_debit(organisation=other_org, items=[LineItem("identity_check")], idempotency_key="id",
                  label="Identité", on=date(2026, 2, 27))
    set_today("2026-03-02")


def test_invoice_lists_the_month_consumption_with_vat_per_line(org, february):
    run = invoicing.invoices_issue(period_start=FEB, today=MARCH_1)
    invoice = Invoice.objects.get(account__organisation=org, kind=InvoiceKind.INVOICE)
    lines = {(line.product, line.quantity, line.unit_price, line.amount) for line in invoice.lines.all()}
    assert lines == {  # the letter cancelled in February is not there; January's refund neither
        ("registered_eletter_acknowledgement", 2, Decimal("3.78"), Decimal("7.56")),
        ("esignature", 2, Decimal("1.50"), Decimal("3.00")),
        ("first_page_address", 1, Decimal("-0.10"), Decimal("-0.10")),
        ("paper_mail_lettre_verte", 1, Decimal("1.14"), Decimal("1.14")),
        ("paper_mail_extra_sheet", 2, Decimal("0.18"), Decimal("0.36")),
    }
    for line in invoice.lines.all():
        assert (line.amount_excluding_tax, line.tax_amount) == vat_split(line.amount, Decimal("20"))
        assert line.vat_rate == Decimal("20.00")
        assert line.unit_price_excluding_tax == (line.unit_price / Decimal("1.2")).quantize(Decimal("0.0001"))
    assert invoice.total_including_tax == Decimal("11.96")
    assert invoice.total_excluding_tax == sum(line.amount_excluding_tax for line in invoice.lines.all())
    assert invoice.total_tax == sum(line.tax_amount for line in invoice.lines.all())
    assert invoice.total_excluding_tax + invoice.total_tax == invoice.total_including_tax
    assert (invoice.period_start, invoice.period_end, invoice.issued_on) == (FEB, date(2026, 2, 28), MARCH_1)
    assert sorted(document.number for document in run.issued) == ["A000001", "M000001", "M000002"]


def test_a_refund_of_an_earlier_month_is_a_credit_note_never_a_negative_invoice(org, buy, set_today):
    set_today("2026-01-20")
    buy(org, "30.00")
    debit = account_debit(organisation=org, items=[LineItem("registered_eletter")], idempotency_key="jan", label="J",
                          on=date(2026, 1, 20))
    set_today("2026-02-01")
    [january] = invoicing.invoices_issue(period_start=date(2026, 1, 1), today=date(2026, 2, 1)).issued
    set_today("2026-02-12")
    account_refund(debit_entry_id=debit.pk, reason="Lettre non distribuée", on=date(2026, 2, 12))

    [credit_note] = invoicing.invoices_issue(period_start=FEB, today=MARCH_1).issued
    assert (credit_note.kind, credit_note.number) == (InvoiceKind.CREDIT_NOTE, "A000001")
    assert credit_note.total_including_tax == Decimal("2.97")  # what it gives back: never a negative amount
    assert (credit_note.total_excluding_tax, credit_note.total_tax) == vat_split(Decimal("2.97"), Decimal("20"))
    assert [(line.product, line.quantity, line.amount) for line in credit_note.lines.all()] == [
        ("registered_eletter", 1, Decimal("2.97"))]
    assert credit_note.snapshot["corrects"] == [
        {"period_start": "2026-01-01", "number": january.number, "issued_on": "2026-02-01"}]
    assert not Invoice.objects.filter(kind=InvoiceKind.INVOICE, period_start=FEB).exists()
    assert Invoice.objects.filter(total_including_tax__lte=0).count() == 0
    with pytest.raises(ApplicationError, match="déjà facturé"):  # the month is closed by its credit note
        account_debit(organisation=org, items=[LineItem("registered_eletter")], idempotency_key="late", label="L",
                      on=date(2026, 2, 27))


def test_a_month_whose_letters_were_all_cancelled_in_the_month_issues_nothing(org, buy, set_today):
    set_today("2026-02-10")
    buy(org, "30.00")
    for key in ("a", "b"):
        debit = account_debit(organisation=org, items=[LineItem("registered_eletter_acknowledgement"), LineItem("esignature")],
                              idempotency_key=key, label=key, on=date(2026, 2, 10))
        account_refund(debit_entry_id=debit.pk, reason="Annulé", on=date(2026, 2, 11))
    assert invoicing.invoices_issue(period_start=FEB, today=MARCH_1).count == 0
    assert not Invoice.objects.exists()


def test_a_month_with_consumption_and_an_earlier_refund_of_the_same_amount_gets_both(org, buy, set_today):
    """Net zero, but two supplies: February's letter is invoiced, January's refund credited."""
    set_today("2026-01-20")
    buy(org, "30.00")
    january = account_debit(organisation=org, items=[LineItem("registered_eletter")], idempotency_key="jan", label="J",
                            on=date(2026, 1, 20))
    set_today("2026-02-10")
    account_refund(debit_entry_id=january.pk, reason="Annulé", on=date(2026, 2, 10))
    account_debit(organisation=org, items=[LineItem("registered_eletter")], idempotency_key="feb", label="F", on=date(2026, 2, 10))
    issued = invoicing.invoices_issue(period_start=FEB, today=MARCH_1).issued
    assert sorted((document.kind, document.number, document.total_including_tax) for document in issued) == [
        (InvoiceKind.CREDIT_NOTE, "A000001", Decimal("2.97")), (InvoiceKind.INVOICE, "M000001", Decimal("2.97"))]
    [credit_note] = [document for document in issued if document.kind == InvoiceKind.CREDIT_NOTE]
    # January was not invoiced yet: the credit note names the month
    assert credit_note.snapshot["corrects"] == [{"period_start": "2026-01-01", "number": "", "issued_on": ""}]


def test_purchases_and_adjustments_are_not_invoiced(org, buy, accounting_user, set_today):
    """A purchase is a prepaid credit (its receipt proves the payment); VAT is invoiced when the
    credit is used. A staff adjustment corrects the credit: no supply either."""
    from billing.services import account_adjust

    set_today("2026-02-10")
    buy(org, "30.00")
    account_adjust(organisation=org, amount=Decimal("5.00"), reason="Geste commercial", by=accounting_user,
                   on=date(2026, 2, 10))
    assert invoicing.invoices_issue(period_start=FEB, today=MARCH_1).count == 0


def test_issuing_is_idempotent_and_numbers_have_no_gap(org, other_org, february, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = invoicing.invoices_issue(period_start=FEB, today=MARCH_1)
    # each PDF is rendered by Celery after its document's transaction committed
    assert sorted((c.func.__self__.name, c.args) for c in callbacks) == [
        ("billing.tasks.invoice_render_task", (invoice.pk,)) for invoice in sorted(first.issued, key=lambda i: i.pk)
    ]
    again = invoicing.invoices_issue(period_start=FEB, today=date(2026, 3, 5))
    assert again.count == 0
    assert sorted(invoice.number for invoice in first.issued) == ["A000001", "M000001", "M000002"]
    for kind in InvoiceKind:
        sequences = list(Invoice.objects.filter(kind=kind).order_by("sequence").values_list("sequence", flat=True))
        assert sequences == list(range(1, len(sequences) + 1))


def test_january_invoice_is_issued_late_without_touching_february(org, february):
    invoicing.invoices_issue(period_start=FEB, today=MARCH_1)
    late = invoicing.invoices_issue(period_start=date(2026, 1, 1), today=date(2026, 3, 3))
    assert late.count == 1 and late.issued[0].number == "M000003"  # the invoices' series: A000001 is apart
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
        account_debit(organisation=org, items=[LineItem("registered_eletter")], idempotency_key="late", label="L",
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
    assert "2 facture(s) et 1 avoir(s) émis pour 02/2026 : M000001, A000001, M000002" in out.getvalue()
    out = StringIO()
    call_command("billing_invoice_month", "--month", "2026-02", stdout=out)
    assert "0 facture(s) et 0 avoir(s)" in out.getvalue()
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
    assert invoices_issue_task.run() == 3  # the task body, called directly (no eager mode): 2 invoices, 1 credit note
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
