"""CSV of a commission statement (issued or « provisoire »), with the conventions of every
export of the portal (SPEC §4): UTF-8 with BOM, ``;``, CRLF, dates dd/mm/yyyy, amounts
``1234,56`` (what a French spreadsheet reads as a number), the on-screen headers, cells starting
with ``= + - @`` neutralised, streamed."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse

from portal.formatting import format_date

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@")
HEADERS = ["Nature", "Date de paiement", "Référence du paiement", "N° Police", "N° sociétaire", "Raison sociale",
           "Produit", "Cotisation encaissée", "Taux (%)", "Commission HT"]


def amount_text(value) -> str:
    return "" if value is None else f"{value:.2f}".replace(".", ",")


def _text(value: str) -> str:
    return f"'{value}" if value[:1] in FORMULA_STARTS else value


def line_cells(line) -> list[str]:
    """A statement line (stored or computed) as the CSV's cells. Amounts stay numbers (a
    negative adjustment is « -12,34 »); texts are neutralised."""
    return [line.get_kind_display() if hasattr(line, "get_kind_display") else line.kind_label,
            format_date(line.paid_on), _text(line.payment_reference), _text(line.policy_number),
            _text(line.member_number), _text(line.company_name), _text(line.product_name),
            amount_text(line.premium), amount_text(line.rate), amount_text(line.commission)]


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
