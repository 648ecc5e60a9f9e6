from django import forms

from amiable.models import Reason
from amiable.rules import EXTENSION_LENGTH
from portal.forms import IdField


class AnswerForm(forms.Form):
    """ "Demander une prolongation de 25 jours (ouvrés)" — Oui / Non (seed 000)."""

    requested = forms.TypedChoiceField(
        label=f"Demander une prolongation de {EXTENSION_LENGTH} jours (ouvrés)",
        choices=[("oui", "Oui"), ("non", "Non")],
        coerce=lambda value: value == "oui",
        widget=forms.RadioSelect,
        error_messages={"required": "Répondez Oui ou Non."},
    )
    reason = forms.ChoiceField(
        label="Justification",
        required=False,
        choices=[("", "Sélectionnez une justification *"), *Reason.choices],
    )
    comment = forms.CharField(
        label="Commentaire", required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "commentaires"}),
    )
    document = forms.FileField(label="Ajouter un document (optionnel)", required=False,
                               help_text="PDF ou Excel, 10 Mo au maximum.")


class FiltersForm(forms.Form):
    client = IdField(label="Client")
    recherche = forms.CharField(label="Recherche d'un client", required=False, max_length=120)  # narrows "Client (tous)"
    pending = forms.BooleanField(label="Actions en attente", required=False)
    police = forms.CharField(label="Police", required=False, max_length=20)
    sort = forms.CharField(label="Tri", required=False, max_length=20)
    page = forms.IntegerField(label="Page", required=False, min_value=1, max_value=10**9)
