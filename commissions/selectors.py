"""Reads of the commissions module, already scoped to what the user may see (SPEC §2).

An organisation's administrator sees its statements whole; a collaborator granted the
commissions area sees the statements of the organisation reduced to the lines of the clients
delegated to them (``portal.selectors.policy_scope_q`` for the area), their totals being the
sums of those lines; the stored PDF — the whole organisation's — is its administrators'. Nobody
sees another organisation's statements.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Count, DecimalField, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from commissions import computation, exports
from commissions.models import Statement, StatementLine
from portal.models import Area, Role, User
from portal.months import month_start, previous_month
from portal.selectors import policy_scope_q

LINE_ORDER = ("kind", "paid_on", "policy_number", "id")


def sees_whole_statements(user: User) -> bool:
    return user.is_authenticated and user.role == Role.ADMINISTRATOR


def _line_scope(user: User, *, prefix: str = "") -> Q:
    """The statement lines (or, with a prefix, rows reaching a policy) the user may see."""
    if sees_whole_statements(user):
        return Q()
    return policy_scope_q(user=user, area=Area.COMMISSIONS, prefix=f"{prefix}policy__")


def statements_for(*, user: User) -> QuerySet[Statement]:
    """The organisation's issued statements, newest first, with ``shown_*``: the whole totals
    for an administrator, those of the delegated clients' lines for a collaborator."""
    if not user.is_authenticated or not getattr(user, "is_intermediary", False):
        return Statement.objects.none()
    statements = Statement.objects.filter(organisation_id=user.organisation_id).order_by("-period_start")
    if sees_whole_statements(user):
        return statements.annotate(shown_line_count=F("line_count"), shown_premium=F("premium_total"),
                                   shown_commission=F("commission_total"))
    money = DecimalField(max_digits=14, decimal_places=2)
    lines = StatementLine.objects.filter(_line_scope(user), statement_id=OuterRef("pk")).order_by().values("statement_id")

    def total(expression, output_field):
        return Coalesce(Subquery(lines.annotate(total=expression).values("total"), output_field=output_field),
                        Value(Decimal("0.00") if output_field is money else 0), output_field=output_field)


    return statements.annotate(shown_line_count=total(Count("id"), IntegerField()),
                               shown_premium=total(Sum("premium"), money),
                               shown_commission=total(Sum("commission"), money))


def statement_lines_for(*, user: User, statement: Statement) -> QuerySet[StatementLine]:
    return statement.lines.filter(_line_scope(user)).order_by(*LINE_ORDER)


def _provisional_scope(user: User, today: date) -> dict:
    """The current month as the next statement will state it. Until last month's statements are
    issued (the 1st, or a later catch-up), last month's payments wait for them: left out here."""
    whole = sees_whole_statements(user)
    last_month, _ = previous_month(today)
    pending = not Statement.objects.filter(period_start=last_month).exists()
    return {"organisation_id": user.organisation_id, "start": month_start(today), "end": today,
            "scope": None if whole else _line_scope(user, prefix="premium_call__"),
            "reversal_scope": None if whole else _line_scope(user), "not_before": last_month if pending else None}


def provisional_lines(*, user: User, today: date, count: int | None = None) -> computation.LineRows:
    """The current month's statement as it stands today (« provisoire »: computed, not stored),
    reduced to the user's clients: a lazy sequence of lines (a page or a stream reads only its
    rows), in the order of the issued statement; ``count``, when known (``provisional_totals``),
    spares counting them again."""
    if not user.is_authenticated or not getattr(user, "is_intermediary", False):
        return computation.LineRows(Statement.objects.none().values_list("id"), count=0)
    return computation.LineRows(computation.month_line_rows(**_provisional_scope(user, today)), count=count)


def provisional_totals(*, user: User, today: date) -> computation.Totals:
    """The totals of ``provisional_lines``, summed in SQL (each line rounded to the cent first)."""
    if not user.is_authenticated or not getattr(user, "is_intermediary", False):
        return computation.totals_of([])
    return computation.month_totals(**_provisional_scope(user, today))


def statement_csv_rows(*, user: User, statement: Statement):
    """The CSV's columns of the statement's lines the user may see, as tuples, in chunks."""
    return statement_lines_for(user=user, statement=statement).values_list(*exports.CSV_COLUMNS).iterator(chunk_size=2000)
