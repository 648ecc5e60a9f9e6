from __future__ import annotations

from decimal import Decimal

from django import forms

from portal.errors import ApplicationError
from quotes import rules, services


class AmountField(forms.DecimalField):
    """A euro amount as people type it: « 150 000 », « 150 000,50 », « 150000.5 »."""

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace("€", "")
            value = value.replace(",", ".")
        return super().to_python(value)


class QuoteForm(forms.Form):
    prospect_name = forms.CharField(label="Raison sociale de l'artisan", max_length=200)
    trade = forms.ChoiceField(label="Métier")
    turnover = AmountField(label="Chiffre d'affaires annuel (€)", decimal_places=2,
                           widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
                           error_messages={"invalid": "Saisissez un montant en euros, par exemple 150 000."})
    staff_count = forms.IntegerField(label="Effectif (salariés)", help_text="0 si l'artisan travaille seul.",
                                     error_messages={"invalid": "Saisissez un nombre entier de salariés."})
    premises_area = forms.IntegerField(label="Surface des locaux (m²)",
                                       error_messages={"invalid": "Saisissez une surface entière en m²."})
    options = forms.MultipleChoiceField(label="Options", required=False, choices=list(rules.OPTIONS.items()),
                                        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, trades, **kwargs):
        super().__init__(*args, **kwargs)
        self.trades = {str(trade.pk): trade for trade in trades}
        self.fields["trade"].choices = [("", "Choisissez un métier"), *(
            (key, trade.name) for key, trade in self.trades.items())]
        self.fields["trade"].error_messages["invalid_choice"] = "Choisissez le métier de l'artisan dans la liste."

    def clean_trade(self):
        return self.trades.get(self.cleaned_data["trade"])

    # The service's checks, field by field, so that every wrong field shows its error at once.
    def clean_prospect_name(self):
        return _checked(services.prospect_name_check, self.cleaned_data["prospect_name"])

    def clean_turnover(self):
        value = _checked(services.turnover_check, self.cleaned_data["turnover"])
        return value.quantize(Decimal("0.01"))

    def clean_staff_count(self):
        return _checked(services.staff_count_check, self.cleaned_data["staff_count"])

    def clean_premises_area(self):
        return _checked(services.premises_area_check, self.cleaned_data["premises_area"])


def _checked(check, value):
    try:
        return check(value)
    except ApplicationError as error:
        raise forms.ValidationError(error.message) from None
