"""Reading the insurer's CSV files (``import_emissions`` / ``import_payments``).

Same columns as the API (SPEC §8), ``;`` or ``,`` separated, UTF-8 with or without BOM;
French decimals (``1250,50``) and dates (``02/03/2026``) are accepted. Each row goes through
the API's serializer, so a file and an API call are checked by the same rules.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from rest_framework import serializers

from portal.errors import ApplicationError

FRENCH_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


def _normalise(value: str) -> str | None:
    value = value.strip()
    if value == "" or value.lower() == "null":
        return None
    if match := FRENCH_DATE.match(value):
        day, month, year = match.groups()
        return f"{year}-{month}-{day}"
    if re.fullmatch(r"-?\d[\d\s\u202f\u00a0]*,\d+", value):
        return re.sub(r"[\s\u202f\u00a0]", "", value).replace(",", ".")
    return value


def csv_rows(*, path: Path, serializer_class: type[serializers.Serializer]) -> list[dict]:
    """Validated rows of a CSV file, or an ApplicationError listing every bad line."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError as exc:
        raise ApplicationError(f"Fichier introuvable : {path}") from exc
    except UnicodeDecodeError as exc:
        raise ApplicationError("Le fichier doit être encodé en UTF-8.") from exc
    first_line = text.splitlines()[0] if text else ""
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.DictReader(text.splitlines(), delimiter=delimiter)
    expected = set(serializer_class().fields)
    missing = {name for name, field in serializer_class().fields.items() if field.required} - set(
        reader.fieldnames or []
    )
    if missing:
        raise ApplicationError(f"Colonnes manquantes : {', '.join(sorted(missing))}.")
    rows, errors = [], []
    for index, raw in enumerate(reader):
        data = {key: _normalise(value or "") for key, value in raw.items() if key in expected}
        data = {key: value for key, value in data.items() if value is not None or key == "broker_orias"}
        serializer = serializer_class(data=data)
        if serializer.is_valid():
            rows.append(serializer.validated_data)
        else:
            errors.append({"row": index, **serializer.errors})
    if errors:
        raise ApplicationError(
            f"{len(errors)} ligne(s) en erreur, rien n'a été enregistré.", code="invalid_rows", errors=errors
        )
    if not rows:
        raise ApplicationError("Le fichier ne contient aucune ligne.")
    return rows


def format_row_errors(error: ApplicationError) -> str:
    """French lines for a command's output; row 0 is line 2 of the file (after the header)."""
    lines = [error.message]
    for item in error.errors or []:
        row = item.get("row")
        for field, messages in item.items():
            if field == "row":
                continue
            for message in messages if isinstance(messages, list) else [messages]:
                lines.append(f"  Ligne {row + 2} — {field} : {message}")
    return "\n".join(lines)
