from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms

from quotes import rules


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

    def clean_turnover(self):
        value = self.cleaned_data["turnover"]
        try:
            return Decimal(value).quantize(Decimal("0.01")) if value is not None else None
        except InvalidOperation:
            raise forms.ValidationError("Un chiffre d'affaires de plus de 50 000 000 € ne relève pas de Pyramide "
                                        "Artisan : vérifiez le montant saisi.") from None
