"""CSV exports of the cycle amiable (SPEC §4): UTF-8 with BOM, ``;``, CRLF, dd/mm/yyyy, the
on-screen headers, formula cells (``= + - @``) neutralised, streamed in constant memory.

The cells are SQL expressions (dates formatted, dangerous first characters neutralised by the
database), so on PostgreSQL the whole CSV is produced by ``COPY (…) TO STDOUT`` and streamed
as it comes; elsewhere the same query is iterated in chunks through Python's csv module.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.db import connection
from django.db.models import Case as SqlCase
from django.db.models import CharField, F, Func, Q, QuerySet, Value, When
from django.db.models.functions import Concat, Left
from django.db.models.lookups import In
from django.http import StreamingHttpResponse

from portal.formatting import format_date

BOM = "\ufeff"
COPY_BUFFER = 64 * 1024
FORMULA_STARTS = ["=", "+", "-", "@"]
CASE_HEADERS = [
    "N° sociétaire", "Raison sociale", "N° Police", "Évènement", "Date du courrier", "Date de mise en demeure",
    "Statut",
]
COLLECTION_HEADERS = [
    "N° sociétaire", "Raison sociale", "SIREN", "Adresse", "Code postal", "Ville", "N° Police", "Émission",
    "Échéance", "Montant appelé", "Reste dû", "Indemnité forfaitaire", "Date de mise en demeure",
    "Date de résiliation", "Cabinet", "ORIAS",
]


class FrenchDate(Func):
    """A date as ``dd/mm/yyyy`` text, formatted by the database."""

    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra):
        return Func(*self.source_expressions, Value("DD/MM/YYYY"), function="TO_CHAR",
                    output_field=CharField()).as_sql(compiler, connection)

    def as_sql(self, compiler, connection, **extra):  # SQLite and others with strftime
        return Func(Value("%d/%m/%Y"), *self.source_expressions, function="STRFTIME",
                    output_field=CharField()).as_sql(compiler, connection)


def safe_text(expression):
    """Prefix a cell that a spreadsheet would read as a formula with an apostrophe."""
    expression = F(expression) if isinstance(expression, str) else expression
    return SqlCase(
        When(Q(In(Left(expression, 1), FORMULA_STARTS)),
             then=Concat(Value("'"), expression, output_field=CharField())),
        default=expression,
        output_field=CharField(),
    )


def date_text(name: str):
    return SqlCase(When(**{f"{name}__isnull": True}, then=Value("")), default=FrenchDate(F(name)),
                   output_field=CharField())


def case_export_rows(queryset: QuerySet) -> QuerySet:
    """The seven on-screen columns of "Gérer le cycle amiable", as text."""
    status = Concat(
        F("status_label"),
        SqlCase(When(reading_label="", then=Value("")), default=Concat(Value(" · "), F("reading_label")),
                output_field=CharField()),
        output_field=CharField(),
    )
    return queryset.annotate(
        csv_member=safe_text("policy__member__member_number"),
        csv_company=safe_text("policy__member__company_name"),
        csv_policy=safe_text("policy__number"),
        csv_event=F("event_label"),
        csv_letter_date=date_text("letter_date"),
        csv_notice_date=date_text("notice_date"),
        csv_status=status,
    ).values_list("csv_member", "csv_company", "csv_policy", "csv_event", "csv_letter_date", "csv_notice_date",
                  "csv_status")


def csv_stream(*, headers: list[str], rows: QuerySet | Iterable[list[str]]) -> Iterator[bytes]:
    """BOM, header line, then the rows: a queryset of text columns goes through COPY on
    PostgreSQL (or is iterated in chunks elsewhere); other rows are written as they come."""
    yield (BOM + ";".join(_quote(h) for h in headers) + "\r\n").encode("utf-8")
    if isinstance(rows, QuerySet):
        if connection.vendor == "postgresql":
            yield from _copy_stream(rows)
            return
        rows = rows.iterator(chunk_size=2000)
    yield from _python_stream(rows)


def _quote(value: str) -> str:
    return f'"{value}"' if any(c in value for c in ';"\r\n') else value


class _Line:
    def write(self, value: str) -> str:
        return value


def _safe_cell(value: str) -> str:
    return f"'{value}" if value[:1] in FORMULA_STARTS else value


def _python_stream(rows: Iterable) -> Iterator[bytes]:
    writer = csv.writer(_Line(), delimiter=";", lineterminator="\r\n")
    buffer: list[str] = []
    for row in rows:
        buffer.append(writer.writerow([_safe_cell("" if cell is None else str(cell)) for cell in row]))
        if len(buffer) >= 500:
            yield "".join(buffer).encode("utf-8")
            buffer.clear()
    if buffer:
        yield "".join(buffer).encode("utf-8")


def _copy_stream(rows: QuerySet) -> Iterator[bytes]:
    import psycopg

    sql, params = rows.query.sql_with_params()
    connection.ensure_connection()
    raw = connection.connection
    statement = psycopg.ClientCursor(raw).mogrify(sql, params)
    with raw.cursor() as cursor, cursor.copy(
        f"COPY ({statement}) TO STDOUT WITH (FORMAT csv, DELIMITER ';', ENCODING 'UTF8')"
    ) as copy:
        # COPY hands over one row at a time: send ~64 KB at once, in constant memory.
        buffer: list = []
        size = 0
        for chunk in copy:
            buffer.append(chunk)
            size += len(chunk)
            if size >= COPY_BUFFER:
                yield b"".join(buffer).replace(b"\n", b"\r\n")
                buffer.clear()
                size = 0
        if buffer:
            yield b"".join(buffer).replace(b"\n", b"\r\n")


def csv_response(*, headers: list[str], rows: QuerySet | Iterable[list[str]], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_stream(headers=headers, rows=rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def cases_csv_response(queryset: QuerySet, *, filename: str) -> StreamingHttpResponse:
    return csv_response(headers=CASE_HEADERS, rows=case_export_rows(queryset), filename=filename)


def collection_rows(queryset: QuerySet) -> Iterator[list[str]]:
    """The contentieux for the collection agency: who owes what, since when (seed 004)."""
    from amiable.letters import recovery_indemnity

    indemnity = recovery_indemnity()
    for case in queryset.iterator(chunk_size=1000):
        member, policy, call = case.policy.member, case.policy, case.premium_call
        yield [
            member.member_number, member.company_name, member.siren,
            " ".join(filter(None, [member.address_line1, member.address_line2])), member.postal_code, member.city,
            policy.number, call.reference, format_date(call.due_date), _amount(call.amount), _amount(call.outstanding), _amount(indemnity) if indemnity else "",
            format_date(case.formal_notice_date), format_date(case.termination_date),
            policy.broker.name if policy.broker else "", (policy.broker.orias or "") if policy.broker else "",
        ]


def _amount(value) -> str:
    """``1234,56``: what a French spreadsheet reads as a number."""
    return f"{value:.2f}".replace(".", ",")
