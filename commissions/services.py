"""Writes of the commissions module: commission rates (checked for the admin) and the issue of
monthly statements — idempotent, one transaction per organisation, a database constraint per
organisation and month and per payment stated, so that a run twice or two runs at once issue
nothing twice. The PDF is rendered after commit (``commissions.documents``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, Max, OuterRef

from commissions import computation
from commissions.models import STATED_KINDS, CommissionRate, LineKind, Statement, StatementLine
from commissions.rules import round_cent, vat_of
from portal.errors import ApplicationError
from portal.formatting import format_date
from portal.models import Organisation, Payment, Product
from portal.months import month_end, month_start
from portal.transactions import enqueue_on_commit

# Brokers' commissions are exempt from VAT (art. 261 C, 2° CGI: services of insurance brokers
# and intermediaries relating to insurance operations): the rate and mention every statement
# carries, frozen on it.
VAT_RATE = Decimal("0.00")
VAT_MENTION = ("TVA non applicable : exonération des prestations de services des courtiers et intermédiaires "
               "d'assurance afférentes aux opérations d'assurance (article 261 C, 2° du CGI).")


# ------------------------------------------------------------------------------ rates


def last_closed_day() -> date | None:
    """The last day of the latest month a statement was issued for (any organisation)."""
    return Statement.objects.aggregate(last=Max("period_end"))["last"]


def check_rate(*, product: Product | None, rate, effective_from: date | None,
               instance: CommissionRate | None = None) -> Decimal:
    """A rate staff may record: 0 to 100 % to the hundredth, a date of effect after every
    issued month (an issued statement never changes), one per product and date; a rate already
    applied by an issued statement is never changed (add a new one with a later date)."""
    if instance is not None and instance.pk and instance.lines.exists():
        raise ApplicationError("Ce taux a déjà servi à un relevé de commissions émis : il ne peut plus être modifié. "
                               "Ajoutez un nouveau taux avec une date d'effet postérieure.")
    if product is None:
        raise ApplicationError("Choisissez le produit.", field="product")
    try:
        value = Decimal(str(rate))
    except (InvalidOperation, ValueError):
        raise ApplicationError("Le taux est un pourcentage, par exemple 12,50.", field="rate")
    if not value.is_finite() or value < 0 or value > 100 or value != value.quantize(Decimal("0.01")):
        raise ApplicationError("Le taux est un pourcentage entre 0 et 100, au centième au plus (par exemple 12,50).",
                               field="rate")
    if effective_from is None:
        raise ApplicationError("Indiquez la date d'effet.", field="effective_from")
    closed = last_closed_day()
    if closed is not None and effective_from <= closed:
        raise ApplicationError(
            f"Des relevés de commissions sont émis jusqu'au {format_date(closed)} et ne changent plus : la date "
            f"d'effet doit être postérieure au {format_date(closed)}.", field="effective_from")
    duplicates = CommissionRate.objects.filter(product=product, effective_from=effective_from)
    if instance is not None and instance.pk:
        duplicates = duplicates.exclude(pk=instance.pk)
    if duplicates.exists():
        raise ApplicationError(f"Le produit {product} a déjà un taux à la date d'effet du {format_date(effective_from)}.",
                               field="effective_from")
    return value


def rate_add(*, product: Product, rate, effective_from: date) -> CommissionRate:
    with transaction.atomic():
        value = check_rate(product=product, rate=rate, effective_from=effective_from)
        return CommissionRate.objects.create(product=product, rate=value, effective_from=effective_from)


# ------------------------------------------------------------------------------ statements


def check_period(*, period_start: date, today: date) -> tuple[date, date]:
    if period_start != month_start(period_start):
        raise ApplicationError("Un relevé de commissions couvre un mois : il commence le 1er.", field="month")
    end = month_end(period_start)
    if end >= today:
        raise ApplicationError(f"Le mois ne sera terminé que le {format_date(end)} : son relevé de commissions "
                               "ne peut pas encore être émis.", field="month")
    return period_start, end


def statement_number(*, organisation: Organisation, period_start: date) -> str:
    return f"RC-{period_start:%Y%m}-{organisation.orias or f'C{organisation.pk:07d}'}"


def organisation_identity(organisation: Organisation) -> dict:
    return {"name": organisation.name, "trade_name": organisation.signature_name,
            "address": organisation.address_lines, "orias": organisation.orias or "", "siren": organisation.siren}


def statement_issue(*, organisation: Organisation, period_start: date, today: date) -> Statement | None:
    """Issue the organisation's statement of a finished month; none when it exists (or a later
    one does: months are issued in order), or when there is nothing to state."""
    from commissions.tasks import statement_render_task

    start, end = check_period(period_start=period_start, today=today)
    try:
        with transaction.atomic():
            organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
            if Statement.objects.filter(organisation=organisation, period_start__gte=start).exists():
                return None
            lines = computation.month_lines(organisation_id=organisation.pk, start=start, end=end)
            if not lines:
                return None
            totals = computation.totals_of(lines)
            vat = vat_of(totals.commission_total, VAT_RATE)
            statement = Statement.objects.create(
                number=statement_number(organisation=organisation, period_start=start), organisation=organisation,
                period_start=start, period_end=end, issued_on=today, line_count=totals.line_count,
                premium_total=round_cent(totals.premium_total), commission_total=round_cent(totals.commission_total),
                vat_rate=VAT_RATE, vat_amount=vat, total_including_tax=totals.commission_total + vat,
                vat_mention=VAT_MENTION if VAT_RATE == 0 else "",
                snapshot={"organisation": organisation_identity(organisation)},
            )
            _lines_insert(statement=statement, lines=lines)
            enqueue_on_commit(statement_render_task, statement.pk)
    except IntegrityError:
        # Another run issued this month, or stated one of these payments, at the same moment.
        return None
    return statement


LINE_COLUMNS = ("statement_id", "kind", "payment_id", "payment_reference", "paid_on", "policy_id", "policy_number",
                "member_number", "company_name", "product_name", "premium", "commission_rate_id", "rate",
                "commission", "reverses_id")
INSERT_ROWS = 500  # rows per INSERT: 7 500 parameters, well within SQLite's and PostgreSQL's limits


def _lines_insert(*, statement: Statement, lines: list[computation.Line]) -> None:
    """Insert the lines with multi-row INSERTs (500 rows each): a 20 000-line statement in a
    fraction of a second, where model instances (``bulk_create``) cost ~1 ms each."""
    ops = connection.ops
    row_marks = f"({', '.join(['%s'] * len(LINE_COLUMNS))})"

    def decimal(value, digits):
        return None if value is None else ops.adapt_decimalfield_value(value, digits, 2)

    rows = [(statement.pk, LineKind(line.kind).value, line.payment_id, line.payment_reference,
             ops.adapt_datefield_value(line.paid_on), line.policy_id, line.policy_number, line.member_number,
             line.company_name, line.product_name, decimal(line.premium, 12), line.commission_rate_id,
             decimal(line.rate, 5), decimal(line.commission, 12), line.reverses_id) for line in lines]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_ROWS):
            chunk = rows[start:start + INSERT_ROWS]
            # table and column names are our model's, quoted; every value is a parameter
            cursor.execute(
                f"INSERT INTO {ops.quote_name(StatementLine._meta.db_table)} "  # noqa: S608
                f"({', '.join(ops.quote_name(column) for column in LINE_COLUMNS)}) "
                f"VALUES {', '.join([row_marks] * len(chunk))}",
                [value for row in chunk for value in row],
            )


@dataclass
class StatementRun:
    period_start: date
    issued: list[Statement] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.issued)


def organisations_to_state(*, start: date, end: date) -> list[int]:
    """The organisations with something to state for the month: a payment of the month, a
    payment of an earlier month after their first statement, or a withdrawn payment."""
    unstated = Payment.objects.filter(computation.unstated_payments(), premium_call__policy__broker__isnull=False)
    of_month = unstated.filter(paid_on__gte=start, paid_on__lte=end)
    late = unstated.filter(paid_on__lt=start).filter(Exists(Statement.objects.filter(
        organisation_id=OuterRef("premium_call__policy__broker_id"), period_start__lte=OuterRef("paid_on"))))
    withdrawn = StatementLine.objects.filter(kind__in=STATED_KINDS, payment__isnull=True, reversed_by__isnull=True)
    ids = set(of_month.values_list("premium_call__policy__broker_id", flat=True).distinct())
    ids |= set(late.values_list("premium_call__policy__broker_id", flat=True).distinct())
    ids |= set(withdrawn.values_list("statement__organisation_id", flat=True).distinct())
    return sorted(ids)


def statements_issue(*, period_start: date, today: date) -> StatementRun:
    """Issue every missing statement of a finished month (idempotent; one transaction per
    organisation): what the monthly beat job and ``manage.py commissions_issue`` run."""
    start, end = check_period(period_start=period_start, today=today)
    run = StatementRun(period_start=start)
    for organisation in Organisation.objects.filter(pk__in=organisations_to_state(start=start, end=end)).order_by("pk"):
        statement = statement_issue(organisation=organisation, period_start=start, today=today)
        if statement is not None:
            run.issued.append(statement)
    return run
