"""The filters of « Suivre votre activité », read from the URL (a bookmark keeps them)."""

from __future__ import annotations

import re
from datetime import date

from django import forms

from activity import periods
from portal import clock
from portal.forms import IdField

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


class MonthField(forms.Field):
    """A month ``AAAA-MM`` (what ``<input type="month">`` sends), as its first day."""

    default_error_messages = {"invalid": "Indiquez un mois au format AAAA-MM (par exemple 2026-03)."}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value) -> date | None:
        text = value.strip() if isinstance(value, str) else ""
        if not text:
            return None
        match = MONTH.match(text)
        if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return date(int(match.group(1)), int(match.group(2)), 1)


class ActivityFiltersForm(forms.Form):
    client = IdField(label="Client")
    recherche = forms.CharField(label="Chercher un client", max_length=100, required=False)
    du = MonthField(label="Du mois")
    au = MonthField(label="Au mois")

    def clean(self):
        data = super().clean()
        first_kept, last_kept = periods.kept_months(clock.business_today())
        start, end = data.get("du"), data.get("au")
        for name, month in (("du", start), ("au", end)):
            if month and not first_kept <= month <= last_kept:
                self.add_error(name, f"Les chiffres couvrent les mois de {periods.month_label(first_kept)} à "
                                     f"{periods.month_label(last_kept)}.")
        start, end = self.cleaned_data.get("du"), self.cleaned_data.get("au")
        if start and end:
            if end < start:
                self.add_error("au", "La fin de la période précède son début.")
            elif len(periods.months_between(start, end)) > periods.MONTHS_SHOWN:
                self.add_error("au", f"La période est limitée à {periods.MONTHS_SHOWN} mois.")
        return self.cleaned_data
