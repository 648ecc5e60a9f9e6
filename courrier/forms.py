"""Forms of the paper-mail pages (labels from seed 001 §8). They parse; the services decide."""

from __future__ import annotations

from django import forms

from courrier import rules
from courrier.models import Mode
from portal.formatting import format_date


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """« Ajouter + »: one or more files, in the order chosen."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if not files and self.required:
            raise forms.ValidationError("Choisissez au moins un fichier (bouton « Ajouter + »).")
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


ACCEPT = ".pdf,.png,.jpg,.jpeg,.tif,.tiff,.gif,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.odt,.ods,.odp,.odg"


class DocumentsForm(forms.Form):
    documents = MultipleFileField(label="Ajouter +", widget=MultipleFileInput(attrs={"multiple": True,
                                                                                  "accept": ACCEPT}))


def mode_choices() -> list[tuple[str, str]]:
    return [(mode.value, f"{mode.label} ({rules.DELIVERY_PROMISE[rules.Mode(mode.value)]})") for mode in Mode]


class NewEnvelopeForm(DocumentsForm):
    mode = forms.ChoiceField(label="Mode d'envoi", choices=mode_choices, widget=forms.RadioSelect,
                             initial=Mode.LETTRE_VERTE)


class OptionsForm(forms.Form):
    mode = forms.ChoiceField(label="Mode d'envoi", choices=mode_choices, widget=forms.RadioSelect)
    colour = forms.BooleanField(label="Couleur", required=False)
    duplex = forms.BooleanField(label="Recto / verso", required=False)
    staple = forms.BooleanField(label="Agrafer tout", required=False,
                                help_text="Chaque document d'au moins 3 pages est agrafé séparément.")


class AddressForm(forms.Form):
    """Destinataire or Expéditeur: « Nom et prénom / Entreprise », 1 to 4 lines of 38
    characters, code postal, ville — checked by the same rule as the service."""

    name = forms.CharField(label="Nom et prénom / Entreprise", max_length=60)
    lines = forms.CharField(label="Adresse et complément d'adresse", max_length=200,
                            help_text="1 à 4 lignes de 38 caractères maximum",
                            widget=forms.Textarea(attrs={"rows": 4, "cols": 40}))
    postal_code = forms.CharField(label="Code postal", max_length=10)
    city = forms.CharField(label="Ville", max_length=60)

    FIELDS = {"name": "name", "address_lines": "lines", "postal_code": "postal_code", "city": "city"}

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        address = self.address()
        for field, message in rules.address_errors(address).items():
            self.add_error(self.FIELDS[field], message)
        return data

    def address(self) -> rules.AddressInput:
        data = self.cleaned_data
        return rules.AddressInput(name=data.get("name", ""),
                                  address_lines=tuple((data.get("lines") or "").splitlines()),
                                  postal_code=data.get("postal_code", ""), city=data.get("city", ""))

    @classmethod
    def initial_from(cls, name: str, lines: list[str], postal_code: str, city: str) -> dict:
        return {"name": name, "lines": "\n".join(lines), "postal_code": postal_code, "city": city}


class DateForm(forms.Form):
    send_on = forms.DateField(label="Date de programmation de la lettre",
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        if today is not None:
            from datetime import timedelta

            tomorrow = today + timedelta(days=1)
            self.fields["send_on"].widget.attrs["min"] = tomorrow.isoformat()
            self.fields["send_on"].help_text = f"Au plus tôt le {format_date(tomorrow)}."


class ConfirmForm(forms.Form):
    """What the confirmation screen showed: validation refuses anything else."""

    accepted_price = forms.DecimalField(max_digits=8, decimal_places=2, widget=forms.HiddenInput)
    accepted_handover_date = forms.DateField(widget=forms.HiddenInput)
    send_on = forms.DateField(required=False, widget=forms.HiddenInput)
