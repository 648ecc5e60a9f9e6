"""« Télécharger tous les suivis d'activité »: the page's tables as an Excel workbook
(openpyxl), one sheet per table, the same figures as on screen."""

from __future__ import annotations

from io import BytesIO

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

from activity.selectors import Activity

MONEY = '#,##0.00 "€"'
PERCENT = '0.0 "%"'
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet(workbook: Workbook, title: str, headers: list[str], rows: list[list], formats: dict[int, str],
           *, first: bool = False):
    sheet = workbook.active if first else workbook.create_sheet()
    sheet.title = title
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # a name starting with « = » stays text, never a formula
            elif cell.column in formats:
                cell.number_format = formats[cell.column]
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(14, len(header) + 4)
    sheet.freeze_panes = "A2"
    return sheet


def activity_workbook(activity: Activity) -> bytes:
    workbook = Workbook()
    _sheet(workbook, "Polices par produit", ["Produit", "Polices en vigueur"],
           [[row.name, row.policies] for row in activity.products], {}, first=True)
    _sheet(workbook, "Cotisations", ["Mois d'échéance", "Cotisations appelées", "Cotisations encaissées",
                                     "Taux d'encaissement"],
           [[row.label, row.called, row.collected, row.rate] for row in activity.months], {2: MONEY, 3: MONEY, 4: PERCENT})
    _sheet(workbook, "Dossiers amiables", ["Étape", "Dossiers ouverts"],
           [[row.label, row.cases] for row in activity.steps], {})
    _sheet(workbook, "Suspensions et résiliations", ["Mois", "Suspensions", "Résiliations"],
           [[row.label, row.suspensions, row.terminations] for row in activity.months], {})
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def activity_workbook_response(activity: Activity, *, filename: str) -> HttpResponse:
    response = HttpResponse(activity_workbook(activity), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
