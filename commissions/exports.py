"""CSV of a commission statement (issued or « provisoire »), with the conventions of every
export of the portal (SPEC §4): UTF-8 with BOM, ``;``, CRLF, dates dd/mm/yyyy, amounts
``1234,56`` (what a French spreadsheet reads as a number), the on-screen headers, cells starting
with ``= + - @`` neutralised, streamed."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse

from commissions.models import LineKind
from portal.formatting import format_date

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@")
# The columns a line is read from, in the order of the headers.
CSV_COLUMNS = ("kind", "paid_on", "payment_reference", "policy_number", "member_number", "company_name",
               "product_name", "premium", "rate", "commission")
HEADERS = ["Nature", "Date de paiement", "Référence du paiement", "N° Police", "N° sociétaire", "Raison sociale",
           "Produit", "Cotisation encaissée", "Taux (%)", "Commission HT"]


def amount_text(value) -> str:
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def _text(value: str) -> str:
    return f"'{value}" if value[:1] in FORMULA_STARTS else value


def line_cells(line) -> list[str]:
    """A statement line — a computed ``Line`` or a tuple of ``selectors.CSV_COLUMNS`` — as the
    CSV's cells. Amounts stay numbers (a negative adjustment is « -12,34 »); texts are neutralised."""
    if not isinstance(line, tuple):
        line = tuple(getattr(line, name) for name in CSV_COLUMNS)
    kind, paid_on, reference, policy, member, company, product, premium, rate, commission = line
    return [LineKind(kind).label, format_date(paid_on), _text(reference), _text(policy), _text(member),
            _text(company), _text(product), amount_text(premium), amount_text(rate), amount_text(commission)]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_stream(lines: Iterable) -> Iterator[bytes]:
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield (BOM + writer.writerow(HEADERS)).encode("utf-8")
    buffer: list[str] = []
    for line in lines:
        buffer.append(writer.writerow(line_cells(line)))
        if len(buffer) >= 500:
            yield "".join(buffer).encode("utf-8")
            buffer.clear()
    if buffer:
        yield "".join(buffer).encode("utf-8")


def csv_response(lines: Iterable, *, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_stream(lines), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
