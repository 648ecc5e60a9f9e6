"""Monthly invoices (seed 001 §9.2: "chaque début de mois, … une facture mensuelle faisant état
des consommations sur le mois précédent").

An organisation's invoice for a month lists its consumption booked in that month: the lines
of its debits less those of its refunds, grouped by product and unit price (TTC), then the
totals HT / TVA 20 % / TTC. One invoice per account and month (unique constraint); numbers
M… are gap-free (``billing.numbering``); the invoice and its lines never change once issued
(database triggers, migration 0002); the PDF is rendered by Celery after commit.

Issuing is idempotent and catches up: ``invoices_issue`` issues the missing invoices of a
month that is over, whenever it runs (the beat job, ``manage.py billing_invoice_month``).
Debits and refunds dated in an invoiced month are refused (``billing.services``), and the
account lock taken here keeps a debit from slipping in while an invoice is computed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Sum, When

from billing import numbering
from billing.models import ZERO, Account, EntryKind, Invoice, InvoiceLine, LedgerLine, Product
from billing.rules import CENT, month_end, month_start, vat_split
from billing.services import account_lock
from portal.errors import ApplicationError
from portal.formatting import format_date

CONSUMPTION = (EntryKind.DEBIT, EntryKind.REFUND)


def vat_rate() -> Decimal:
    return Decimal(str(getattr(settings, "BILLING_VAT_RATE", "20.00")))


@dataclass(frozen=True)
class ConsumptionLine:
    product: str
    unit_price: Decimal
    quantity: int
    amount: Decimal

    @property
    def label(self) -> str:
        return Product(self.product).label


def consumption_lines(*, account: Account, start: date, end: date) -> list[ConsumptionLine]:
    """Debits less refunds booked in [start, end], by product and unit price (one query)."""
    debit = When(entry__kind=EntryKind.DEBIT, then=F("quantity"))
    debit_amount = When(entry__kind=EntryKind.DEBIT, then=F("amount"))
    rows = (
        LedgerLine.objects.filter(
            entry__account=account, entry__booked_on__gte=start, entry__booked_on__lte=end,
            entry__kind__in=CONSUMPTION,
        )
        .values("product", "unit_price")
        .annotate(
            net_quantity=Sum(Case(debit, default=-F("quantity"))),
            net_amount=Sum(Case(debit_amount, default=-F("amount"))),
        )
        .order_by("product", "unit_price")
    )
    order = {code: index for index, code in enumerate(Product.values)}
    lines = [
        # quantized: SQLite sums decimals as floats (PostgreSQL is exact)
        ConsumptionLine(row["product"], Decimal(row["unit_price"]).quantize(CENT), row["net_quantity"],
                        Decimal(row["net_amount"]).quantize(CENT))
        for row in rows
        if row["net_quantity"] or row["net_amount"]
    ]
    return sorted(lines, key=lambda line: (order[line.product], line.unit_price))


def _check_period(*, period_start: date, today: date) -> tuple[date, date]:
    if period_start != month_start(period_start):
        raise ApplicationError("Une période de facturation commence le 1er du mois.", field="month")
    end = month_end(period_start)
    if end >= today:
        raise ApplicationError(
            f"Le mois ne sera terminé que le {format_date(end)} : il ne peut pas encore être facturé.",
            field="month",
        )
    return period_start, end


def invoice_issue(*, account: Account, period_start: date, today: date) -> Invoice | None:
    """Issue the account's invoice of a month; None when it exists or nothing was consumed."""
    from billing.tasks import invoice_render_task

    start, end = _check_period(period_start=period_start, today=today)
    with transaction.atomic():
        account = account_lock(account=account)
        if Invoice.objects.filter(account=account, period_start=start).exists():
            return None
        lines = consumption_lines(account=account, start=start, end=end)
        if not lines:
            return None
        total = sum((line.amount for line in lines), ZERO)
        rate = vat_rate()
        excluding, tax = vat_split(total, rate)
        sequence, number = numbering.number_take(name=numbering.INVOICE)
        invoice = Invoice.objects.create(
            number=number, sequence=sequence, account=account, period_start=start, period_end=end,
            issued_on=today, vat_rate=rate, total_excluding_tax=excluding, total_tax=tax,
            total_including_tax=total,
        )
        InvoiceLine.objects.bulk_create([
            InvoiceLine(invoice=invoice, product=line.product, label=line.label, quantity=line.quantity,
                        unit_price=line.unit_price, amount=line.amount)
            for line in lines
        ])
        invoice_render_task.delay_on_commit(invoice.pk)
    return invoice


@dataclass
class InvoiceRun:
    period_start: date
    issued: list[Invoice] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.issued)


def invoices_issue(*, period_start: date, today: date) -> InvoiceRun:
    """Issue every missing invoice of a finished month (idempotent; one transaction each)."""
    start, end = _check_period(period_start=period_start, today=today)
    candidates = (
        Account.objects.filter(
            entries__booked_on__gte=start, entries__booked_on__lte=end, entries__kind__in=CONSUMPTION
        )
        .exclude(invoices__period_start=start)
        .distinct()
        .order_by("pk")
    )
    run = InvoiceRun(period_start=start)
    for account in candidates:
        invoice = invoice_issue(account=account, period_start=start, today=today)
        if invoice is not None:
            run.issued.append(invoice)
    return run
