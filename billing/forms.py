from django import forms

from billing.purchases import PURCHASE_AMOUNTS
from portal.clock import business_today


class CreditPurchaseForm(forms.Form):
    amount = forms.TypedChoiceField(
        label="Montant",
        choices=[(str(value), f"{value} € TTC") for value in PURCHASE_AMOUNTS],
        coerce=str,
        initial=str(PURCHASE_AMOUNTS[0]),
    )


def _luhn_ok(number: str) -> bool:
    total = 0
    for index, digit in enumerate(reversed(number)):
        value = int(digit)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


SANDBOX_TEST_CARD = "4970 1012 3456 7893"  # Luhn-valid: what the sandbox page suggests


class SandboxCardForm(forms.Form):
    """The sandbox bank's card form (seed 001 §9.1). Any Luhn-valid number is accepted; the page
    shows a test card, and the expiry starts on a valid month (two years ahead)."""

    card_type = forms.ChoiceField(
        label="Type de carte", choices=[("cb", "CB"), ("visa", "Visa"), ("mastercard", "Mastercard")]
    )
    card_number = forms.CharField(label="Numéro de carte", max_length=23,
                                  widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}))
    expiry_month = forms.TypedChoiceField(label="Mois", choices=[(f"{m:02d}", f"{m:02d}") for m in range(1, 13)],
                                          coerce=int)
    expiry_year = forms.TypedChoiceField(label="Année", coerce=int, choices=[])
    cvv = forms.CharField(label="Cryptogramme visuel", max_length=4,
                          widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = business_today()
        self.fields["expiry_year"].choices = [(str(y), str(y)) for y in range(today.year, today.year + 11)]
        self.fields["expiry_month"].initial = f"{today.month:02d}"
        self.fields["expiry_year"].initial = str(today.year + 2)

    def clean_card_number(self):
        number = self.cleaned_data["card_number"].replace(" ", "").replace("-", "")
        if not (number.isascii() and number.isdigit()) or not 12 <= len(number) <= 19 or not _luhn_ok(number):
            raise forms.ValidationError("Numéro de carte invalide.")
        return number

    def clean_cvv(self):
        cvv = self.cleaned_data["cvv"].strip()
        if not (cvv.isascii() and cvv.isdigit()) or len(cvv) not in (3, 4):
            raise forms.ValidationError("Le cryptogramme visuel comporte 3 ou 4 chiffres.")
        return cvv

    def clean(self):
        cleaned = super().clean()
        month, year = cleaned.get("expiry_month"), cleaned.get("expiry_year")
        today = business_today()
        if month and year and (year, month) < (today.year, today.month):
            self.add_error("expiry_month", "Cette carte est expirée.")
        return cleaned
