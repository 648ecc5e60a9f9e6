"""Monthly invoices and credit notes (seed 001 §9.2: "chaque début de mois, … une facture
mensuelle faisant état des consommations sur le mois précédent"; SPEC §7).

What is invoiced is consumption, when it happens: a credit purchase is a prepaid voucher good
for any of the products (a receipt R… proves the payment; it is not an invoice), and the VAT
falls due when the credit is used. An organisation's documents for a month, issued together:

* the **invoice** (M…): its debits booked in the month, less the refunds booked in the same
  month of those debits (a letter cancelled before the month is over was not supplied), by
  product and unit price — never negative: every refund it counts takes back a debit it counts;
* the **credit note** (avoir, A…, its own gap-free series): the refunds booked in the month of
  debits booked in an earlier month — already invoiced —, naming the invoices it corrects.

A month where every debit was refunded in the month issues nothing (nothing was supplied); a
month with only refunds of earlier debits gets a credit note and no invoice. Each line carries
its unit price excluding VAT, its VAT rate and amount and its total excluding VAT (computed
on the line's TTC amount: HT + TVA = TTC on each line); the totals are the sums of the lines.
Everything the document says is frozen on its rows (``billing.documents``: parties in
``snapshot``); the rows never change once issued (database triggers, migrations 0002/0004);
the PDF is rendered by Celery after commit.

Issuing is idempotent and catches up: ``invoices_issue`` issues the missing documents of a
month that is over, whenever it runs (the beat job, ``manage.py billing_invoice_month``).
Debits and refunds dated in a month with a document are refused (``billing.services``), and
the account lock taken here keeps a debit from slipping in while a month is computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Case, F, Q, Sum, When

from billing import numbering
from billing.documents import buyer_identity, seller_identity
from billing.models import (
    ZERO,
    Account,
    EntryKind,
    Invoice,
    InvoiceKind,
    InvoiceLine,
    LedgerEntry,
    LedgerLine,
    Product,
)
from billing.rules import CENT, vat_split
from billing.services import account_lock
from portal.errors import ApplicationError
from portal.formatting import format_date
from portal.months import month_end, month_start
from portal.transactions import enqueue_on_commit

CONSUMPTION = (EntryKind.DEBIT, EntryKind.REFUND)
UNIT_PRICE_PLACES = Decimal("0.0001")
SERIES = {InvoiceKind.INVOICE: numbering.INVOICE, InvoiceKind.CREDIT_NOTE: numbering.CREDIT_NOTE}


def vat_rate() -> Decimal:
    return Decimal(str(getattr(settings, "BILLING_VAT_RATE", "20.00")))


@dataclass(frozen=True)
class ConsumptionLine:
    product: str
    unit_price: Decimal  # TTC
    quantity: int
    amount: Decimal  # TTC

    @property
    def label(self) -> str:
        return Product(self.product).label


@dataclass(frozen=True)
class MonthLines:
    invoice: list[ConsumptionLine]  # consumed in the month
    credit_note: list[ConsumptionLine]  # refunded in the month, consumed (and invoiced) earlier


def month_lines(*, account: Account, start: date, end: date) -> MonthLines:
    """The lines of the month's invoice and credit note, by product and unit price (one query)."""
    earlier = Q(entry__kind=EntryKind.REFUND, entry__refund_of__booked_on__lt=start)
    debit = Q(entry__kind=EntryKind.DEBIT)
    rows = (
        LedgerLine.objects.filter(
            entry__account=account, entry__booked_on__gte=start, entry__booked_on__lte=end,
            entry__kind__in=CONSUMPTION,
        )
        .annotate(corrects_earlier=Case(When(earlier, then=True), default=False))
        .values("product", "unit_price", "corrects_earlier")
        .annotate(
            net_quantity=Sum(Case(When(debit, then=F("quantity")), default=-F("quantity"))),
            net_amount=Sum(Case(When(debit, then=F("amount")), default=-F("amount"))),
        )
        .order_by("product", "unit_price")
    )
    order = {code: index for index, code in enumerate(Product.values)}
    invoice, credit_note = [], []
    for row in rows:
        if not (row["net_quantity"] or row["net_amount"]):
            continue  # consumed and refunded in the month
        # quantized: SQLite sums decimals as floats (PostgreSQL is exact)
        unit_price, amount = Decimal(row["unit_price"]).quantize(CENT), Decimal(row["net_amount"]).quantize(CENT)
        if row["corrects_earlier"]:  # refunds only: given back, as positive amounts
            credit_note.append(ConsumptionLine(row["product"], unit_price, -row["net_quantity"], -amount))
        else:
            invoice.append(ConsumptionLine(row["product"], unit_price, row["net_quantity"], amount))

    def ordered(lines):
        return sorted(lines, key=lambda line: (order[line.product], line.unit_price))

    return MonthLines(invoice=ordered(invoice), credit_note=ordered(credit_note))


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


def _corrected_invoices(*, account: Account, start: date, end: date) -> list[dict]:
    """The invoices of the months whose debits the month's credit note gives back (a month
    not invoiced yet is named by its period)."""
    months = sorted({
        month_start(day) for day in LedgerEntry.objects.filter(
            account=account, kind=EntryKind.REFUND, booked_on__gte=start, booked_on__lte=end,
            refund_of__booked_on__lt=start,
        ).values_list("refund_of__booked_on", flat=True)
    })
    invoices = {
        invoice.period_start: invoice
        for invoice in Invoice.objects.filter(account=account, kind=InvoiceKind.INVOICE, period_start__in=months)
    }
    return [
        {"period_start": month.isoformat(), "number": invoices[month].number if month in invoices else "",
         "issued_on": invoices[month].issued_on.isoformat() if month in invoices else ""}
        for month in months
    ]


def _issue(*, kind: InvoiceKind, account: Account, start: date, end: date, today: date,
           lines: Sequence[ConsumptionLine], snapshot: dict) -> Invoice:
    """One numbered document and its lines, with the VAT of each line; the caller holds the
    account lock inside its transaction."""
    rate = vat_rate()
    rows = []
    for line in lines:
        excluding, tax = vat_split(line.amount, rate)
        unit_excluding = (line.unit_price * 100 / (100 + rate)).quantize(UNIT_PRICE_PLACES, rounding=ROUND_HALF_UP)
        rows.append(InvoiceLine(
            product=line.product, label=line.label, quantity=line.quantity, unit_price=line.unit_price,
            unit_price_excluding_tax=unit_excluding, vat_rate=rate, amount_excluding_tax=excluding,
            tax_amount=tax, amount=line.amount,
        ))
    total = sum((row.amount for row in rows), ZERO)
    if total <= 0:  # impossible by construction (see the module docstring): never issue one
        raise ApplicationError(f"Montant {'de l’avoir' if kind == InvoiceKind.CREDIT_NOTE else 'de la facture'} "
                               f"invalide : {total} €.")
    sequence, number = numbering.number_take(name=SERIES[kind])
    invoice = Invoice.objects.create(
        kind=kind, number=number, sequence=sequence, account=account, period_start=start, period_end=end,
        issued_on=today, vat_rate=rate, total_excluding_tax=sum((row.amount_excluding_tax for row in rows), ZERO),
        total_tax=sum((row.tax_amount for row in rows), ZERO), total_including_tax=total, snapshot=snapshot,
    )
    for row in rows:
        row.invoice = invoice
    InvoiceLine.objects.bulk_create(rows)
    return invoice


def invoice_issue(*, account: Account, period_start: date, today: date) -> list[Invoice]:
    """Issue the account's documents of a month — its invoice and/or credit note, see the
    module docstring —; none when they exist or there is nothing to invoice."""
    from billing.tasks import invoice_render_task

    start, end = _check_period(period_start=period_start, today=today)
    issued: list[Invoice] = []
    with transaction.atomic():
        account = account_lock(account=account)
        if Invoice.objects.filter(account=account, period_start=start).exists():
            return []
        lines = month_lines(account=account, start=start, end=end)
        parties = {"seller": seller_identity(), "buyer": buyer_identity(account.organisation)}
        if lines.invoice:
            issued.append(_issue(kind=InvoiceKind.INVOICE, account=account, start=start, end=end, today=today,
                                 lines=lines.invoice, snapshot=parties))
        if lines.credit_note:
            corrects = _corrected_invoices(account=account, start=start, end=end)
            issued.append(_issue(kind=InvoiceKind.CREDIT_NOTE, account=account, start=start, end=end, today=today,
                                 lines=lines.credit_note, snapshot={**parties, "corrects": corrects}))
        for invoice in issued:
            enqueue_on_commit(invoice_render_task, invoice.pk)
    return issued


@dataclass
class InvoiceRun:
    period_start: date
    issued: list[Invoice] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.issued)

    @property
    def invoices(self) -> list[Invoice]:
        return [invoice for invoice in self.issued if invoice.kind == InvoiceKind.INVOICE]

    @property
    def credit_notes(self) -> list[Invoice]:
        return [invoice for invoice in self.issued if invoice.kind == InvoiceKind.CREDIT_NOTE]


def invoices_issue(*, period_start: date, today: date) -> InvoiceRun:
    """Issue every missing invoice and credit note of a finished month (idempotent; one
    transaction per account)."""
    start, end = _check_period(period_start=period_start, today=today)
    candidates = (
        Account.objects.filter(
            entries__booked_on__gte=start, entries__booked_on__lte=end, entries__kind__in=CONSUMPTION
        )
        .exclude(invoices__period_start=start)
        .select_related("organisation")
        .distinct()
        .order_by("pk")
    )
    run = InvoiceRun(period_start=start)
    for account in candidates:
        run.issued.extend(invoice_issue(account=account, period_start=start, today=today))
    return run
