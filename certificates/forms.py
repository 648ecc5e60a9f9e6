from __future__ import annotations

from datetime import timedelta

from django import forms

from portal.forms import IdField


class CertificateForm(forms.Form):
    """« Obtenir une attestation client », step 2: the policy (among the client's) and the period."""

    policy = IdField(label="Police", required=True, error_messages={"required": "Choisissez une police."})
    period_start = forms.DateField(label="Couverture du", error_messages={
        "required": "Indiquez le début de la période de couverture.", "invalid": "Cette date n'est pas valide."})
    period_end = forms.DateField(label="au", error_messages={
        "required": "Indiquez la fin de la période de couverture.", "invalid": "Cette date n'est pas valide."})

    def __init__(self, *args, today, **kwargs):
        kwargs.setdefault("initial", {"period_start": today, "period_end": default_period_end(today)})
        super().__init__(*args, **kwargs)
        for name in ("period_start", "period_end"):
            self.fields[name].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def default_period_end(today):
    """One year of cover from ``today`` (the day before the same date next year)."""
    try:
        return today.replace(year=today.year + 1) - timedelta(days=1)
    except ValueError:  # 29 February
        return today.replace(year=today.year + 1, day=28)
