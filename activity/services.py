"""Writes of the activity app: the set-based refresh of its figures (``activity.models``).

The figures are SQL aggregates of the premium calls, the policies and the cycle amiable's
history, written with ``INSERT … SELECT`` (never a Python loop over policies or calls): first
per client, then the organisation's totals from those rows. The whole refresh is one
transaction: a page reads the old figures or the new ones, never half of them. The beat
schedule runs it every hour at half past (06:30 follows the cycle amiable's daily run); ``manage.py activity_refresh``
runs it by hand (after an import, say).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection, transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncMonth

from activity import periods
from activity.models import MonthlyFigure, ProductFigure, Snapshot
from amiable.selectors import cover_steps_by_month
from portal.models import Policy, PolicyStatus, PremiumCall


@dataclass(frozen=True)
class RefreshReport:
    monthly_rows: int
    product_rows: int
    seconds: float


def _insert_from(table: str, columns: list[str], queryset, aliases: list[str]) -> int:
    """``INSERT INTO table (columns) SELECT aliases FROM (queryset)``: one statement."""
    sql, params = queryset.query.sql_with_params()
    quote = connection.ops.quote_name
    selected = ", ".join(f"source.{quote(alias)}" if alias else "0" for alias in aliases)
    statement = (f"INSERT INTO {quote(table)} ({', '.join(quote(column) for column in columns)}) "  # noqa: S608
                 f"SELECT {selected} FROM ({sql}) source")
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.rowcount


def _totals(table: str, key: str, sums: list[str]) -> int:
    """The organisation's rows (no member) as the sums of its clients' rows."""
    quote = connection.ops.quote_name
    summed = ", ".join(f"SUM({quote(column)})" for column in sums)
    columns = ", ".join(quote(column) for column in ["broker_id", key, *sums])
    statement = (f"INSERT INTO {quote(table)} ({columns}) SELECT broker_id, {quote(key)}, {summed} "  # noqa: S608
                 f"FROM {quote(table)} WHERE member_id IS NOT NULL GROUP BY broker_id, {quote(key)}")
    with connection.cursor() as cursor:
        cursor.execute(statement)
        return cursor.rowcount


def activity_refresh(*, today: date, now: datetime) -> RefreshReport:
    """Compute every organisation's figures as of ``today`` (set-based, one transaction)."""
    started = time.perf_counter()
    first, last = periods.kept_months(today)
    until = periods.add_months(last, 1)
    premiums = (
        PremiumCall.objects.filter(policy__broker__isnull=False, due_date__gte=first, due_date__lt=until)
        .order_by()
        .values(figure_broker=F("policy__broker_id"), figure_member=F("policy__member_id"),
                figure_month=TruncMonth("due_date"))
        .annotate(figure_called=Sum("amount"), figure_collected=Sum("paid_amount"))
    )
    steps = cover_steps_by_month(since=first, until=until)
    in_force = (
        Policy.objects.filter(broker__isnull=False, status=PolicyStatus.ACTIVE)
        .order_by()
        .values(figure_broker=F("broker_id"), figure_member=F("member_id"), figure_product=F("product_id"))
        .annotate(figure_policies=Count("id"))
    )
    monthly_columns = ["broker_id", "member_id", "month", "called", "collected", "suspensions", "terminations"]
    with transaction.atomic():
        MonthlyFigure.objects.all().delete()
        ProductFigure.objects.all().delete()
        monthly = _insert_from(MonthlyFigure._meta.db_table, monthly_columns, premiums,
                               ["figure_broker", "figure_member", "figure_month", "figure_called", "figure_collected",
                                None, None])
        monthly += _insert_from(MonthlyFigure._meta.db_table, monthly_columns, steps,
                                ["step_broker", "step_member", "step_month", None, None, "suspensions", "terminations"])
        monthly += _totals(MonthlyFigure._meta.db_table, "month", ["called", "collected", "suspensions", "terminations"])
        products = _insert_from(ProductFigure._meta.db_table, ["broker_id", "member_id", "product_id", "policies"],
                                in_force, ["figure_broker", "figure_member", "figure_product", "figure_policies"])
        products += _totals(ProductFigure._meta.db_table, "product_id", ["policies"])
        Snapshot.objects.all().delete()
        Snapshot.objects.create(computed_at=now, business_date=today, first_month=first, last_month=last)
    return RefreshReport(monthly_rows=monthly, product_rows=products, seconds=time.perf_counter() - started)
