"""Reading the insurer's CSV files (``import_emissions`` / ``import_payments``).

Same columns as the API (SPEC §8), ``;`` or ``,`` separated, UTF-8 with or without BOM;
French decimals (``1 250,50``), dates (``02/03/2026``) and booleans (``oui``/``non``) are
accepted. Each row goes through the API's serializer, then the same import service, so a file
and an API call are checked by the same rules; errors name the line of the file where the row
starts (the header is line 1).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rest_framework import serializers

from portal.errors import ApplicationError

FRENCH_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")
FRENCH_DECIMAL = re.compile(r"^-?\d[\d\s\u202f\u00a0]*,\d+$")
BOOLEANS = {"oui": True, "non": False, "true": True, "false": False, "1": True, "0": False}
LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _normalise(value: str, field: serializers.Field) -> str | bool | None:
    value = value.strip()
    if value == "" or value.lower() == "null":
        return None
    if isinstance(field, serializers.BooleanField):
        return BOOLEANS.get(value.lower(), value)
    if isinstance(field, serializers.DateField) and (match := FRENCH_DATE.match(value)):
        day, month, year = match.groups()
        return f"{year}-{month}-{day}"
    if isinstance(field, serializers.DecimalField) and FRENCH_DECIMAL.match(value):
        return re.sub(r"[\s\u202f\u00a0]", "", value).replace(",", ".")
    return value


@dataclass(frozen=True)
class CsvRows:
    rows: list[dict]
    lines: list[int]  # first line of the file of each row, for the messages of later checks


def _first_line(last_line: int, raw: dict) -> int:
    """The line a record starts on: a quoted value may span several lines of the file."""
    breaks = sum(len(LINE_BREAK.findall(value)) for value in raw.values() if isinstance(value, str))
    return last_line - breaks


def csv_rows(*, path: Path | str, serializer_class: type[serializers.Serializer], today: date) -> CsvRows:
    """Validated rows of a CSV file, or an ApplicationError listing every bad line. ``today`` is
    the business date the dates are checked against."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise ApplicationError(f"Fichier introuvable : {path}") from exc
    except UnicodeDecodeError as exc:
        raise ApplicationError("Le fichier doit être encodé en UTF-8.") from exc
    first_line = text.splitlines()[0] if text else ""
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    fields = serializer_class().fields
    header = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    missing = {name for name, field in fields.items() if field.required} - set(header)
    if missing:
        raise ApplicationError(f"Colonnes manquantes : {', '.join(sorted(missing))}.")
    rows, lines, errors = [], [], []
    for raw in reader:
        data = {}
        for key, value in raw.items():
            if key in fields:
                normalised = _normalise(value or "", fields[key])
                if normalised is not None or key == "broker_orias":
                    data[key] = normalised
        serializer = serializer_class(data=data, context={"today": today})
        line = _first_line(reader.line_num, raw)
        if serializer.is_valid():
            rows.append(serializer.validated_data)
            lines.append(line)
        else:
            errors.append({"row": len(rows) + len(errors), "line": line, **serializer.errors})
    if errors:
        count = len(errors)
        raise ApplicationError(
            f"{count} ligne{'s' if count > 1 else ''} en erreur, rien n'a été enregistré.",
            code="invalid_rows",
            errors=errors,
        )
    if not rows:
        raise ApplicationError("Le fichier ne contient aucune ligne.")
    return CsvRows(rows=rows, lines=lines)


def format_row_errors(error: ApplicationError, *, lines: list[int] | None = None) -> str:
    """French lines for a command's output, naming the line of the file of each bad row.

    Errors of the CSV parsing carry their ``line``; errors of the import service carry the
    index of the row, mapped back to its line through ``lines``.
    """
    output = [error.message]
    for item in error.errors or []:
        line = item.get("line")
        if line is None and lines is not None and item.get("row") is not None and item["row"] < len(lines):
            line = lines[item["row"]]
        where = f"Ligne {line}" if line is not None else "Fichier"
        for field, messages in item.items():
            if field in ("row", "line"):
                continue
            label = "" if field == "non_field_errors" else f"{field} : "
            for message in messages if isinstance(messages, list) else [messages]:
                output.append(f"  {where} — {label}{message}")
    return "\n".join(output)
