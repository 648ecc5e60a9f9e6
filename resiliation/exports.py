"""« Exporter vers Excel » (openpyxl, write-only): a summary of the letters by dates,
built from a constant number of queries and streamed from a temporary file."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

from django.utils.timezone import localtime
from openpyxl import Workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADERS = ["N°", "Souscripteur", "Société", "Adresse", "Date de prise d'effet", "Contrats", "Destinataire",
           "Envoyé le", "Lettre", "Suivi", "Géré par", "Votre référence", "Créée le"]


def safe(value: str) -> str:
    """Text cells never start a formula (= + - @)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def letter_row(letter) -> list:
    contracts = "\n".join(f"{c.type_label} : {c.reference}" for c in letter.contracts.all())
    return [
        letter.pk,
        safe(letter.subscriber_name),
        safe(letter.company_name),
        safe(", ".join(letter.address_lines)),
        letter.new_contract_start,
        safe(contracts),
        safe(letter.insurer.name if letter.insurer else ""),
        localtime(letter.sent_at).replace(tzinfo=None) if letter.sent_at else None,
        letter.kind_label,
        letter.tracking_label,
        safe(str(letter.managed_by)),
        safe(letter.own_reference),
        localtime(letter.created_at).replace(tzinfo=None),
    ]


def letters_xlsx(*, rows, chunk_size: int = 500) -> Iterator[bytes]:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Résiliations")
    sheet.append(HEADERS)
    for letter in rows.iterator(chunk_size=chunk_size):
        sheet.append(letter_row(letter))
    with tempfile.TemporaryFile() as handle:
        workbook.save(handle)
        handle.seek(0)
        while chunk := handle.read(64 * 1024):
            yield chunk
