"""Forms of the résiliation pages: parse input; the services decide (ApplicationError)."""

from __future__ import annotations

from django import forms

from portal.forms import IdField
from resiliation import rules
from resiliation.models import Civility
from resiliation.selectors import FOLDERS
from resiliation.services import ContractData, SubscriberData

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SubscriberForm(forms.Form):
    civility = forms.ChoiceField(label="Civilité", choices=Civility.choices)
    last_name = forms.CharField(label="Nom", max_length=80)
    first_name = forms.CharField(label="Prénom", max_length=80)
    company_name = forms.CharField(label="Société et statut", max_length=120, required=False,
                                   help_text="Si le souscripteur est une société ; sinon laissez vide.")
    siret = forms.CharField(label="N° SIRET", max_length=17, required=False)
    address_line1 = forms.CharField(label="N° et rue", max_length=120)
    address_line2 = forms.CharField(label="Complément d'adresse", max_length=120, required=False)
    postal_code = forms.CharField(label="Code postal", max_length=5)
    city = forms.CharField(label="Ville", max_length=60)
    email = forms.EmailField(label="E-mail", help_text="Pour informer le souscripteur de l'avancement du courrier.")
    own_reference = forms.CharField(label="Votre référence pour ce client", max_length=60, required=False,
                                    help_text="N'apparaît pas sur la lettre.")
    co_civility = forms.ChoiceField(label="Civilité du co-souscripteur", required=False,
                                    choices=[("", "—"), *Civility.choices])
    co_last_name = forms.CharField(label="Nom du co-souscripteur", max_length=80, required=False)
    co_first_name = forms.CharField(label="Prénom du co-souscripteur", max_length=80, required=False)

    def data_object(self) -> SubscriberData:
        return SubscriberData(**self.cleaned_data)


class ContractForm(forms.Form):
    reference = forms.CharField(label="Référence du contrat", max_length=60)
    custom_type = forms.CharField(label="Type de contrat", max_length=80, required=False)
    registration = forms.CharField(label="Immatriculation", max_length=20, required=False)
    insured_address = forms.CharField(label="Adresse du bien assuré", max_length=200, required=False)
    main_due_date = forms.DateField(label="Échéance principale", required=False, widget=DATE_WIDGET)
    reason = forms.ChoiceField(label="Motif de résiliation", widget=forms.RadioSelect)
    custom_reason = forms.CharField(label="Motif personnalisé", max_length=200, required=False)
    new_insurer = forms.CharField(label="Nouvel assureur ou organisme", max_length=120, required=False,
                                  help_text="Obligatoire en loi Hamon / RIA. Ex. : AXA FRANCE IARD")
    new_reference = forms.CharField(label="Nouvelle référence de contrat ou d'offre", max_length=60, required=False)
    notice_date = forms.DateField(label="Date d'envoi de l'avis d'échéance", required=False, widget=DATE_WIDGET)
    event_date = forms.DateField(label="Date de l'évènement", required=False, widget=DATE_WIDGET)

    def __init__(self, *args, type_code: str, mode: rules.DateMode | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.type_code = type_code
        kind = rules.contract_type(type_code)
        reasons = rules.reasons_for_type(type_code, mode=mode)
        self.fields["reason"].choices = [(r.code, r.label) for r in reasons]
        if len(reasons) == 1:
            self.fields["reason"].initial = reasons[0].code
        if not kind.vehicle:
            del self.fields["registration"]
        if not kind.home:
            del self.fields["insured_address"]
        if type_code != rules.OTHER_TYPE:
            del self.fields["custom_type"]

    def data_object(self) -> ContractData:
        data = self.cleaned_data
        text = {name: data.get(name) or "" for name in ("custom_type", "registration", "insured_address",
                                                         "new_insurer", "new_reference", "custom_reason")}
        dates = {name: data.get(name) for name in ("main_due_date", "notice_date", "event_date")}
        return ContractData(contract_type=self.type_code, reference=data.get("reference", ""),
                            reason=data.get("reason", ""), **text, **dates)


class FreeTextForm(forms.Form):
    free_text = forms.CharField(label="Texte ajouté à la lettre", required=False, max_length=3000,
                                widget=forms.Textarea(attrs={"rows": 4}))


class OldManagerForm(forms.Form):
    email = forms.EmailField(label="Email", required=False)


class UploadForm(forms.Form):
    file = forms.FileField(label="Fichier à joindre")


class OriasForm(forms.Form):
    file = forms.FileField(label="Attestation ORIAS (PDF ou image)")
    valid_until = forms.DateField(label="Valable jusqu'au", widget=DATE_WIDGET)


class FinaliseForm(forms.Form):
    with_acknowledgement = forms.TypedChoiceField(
        label="Type d'envoi", coerce=lambda v: v == "1", choices=[("1", "Avec accusé de réception"),
                                                                 ("0", "Sans accusé de réception")],
        widget=forms.RadioSelect, initial="0")
    new_contract_start = forms.DateField(label="Date de prise d'effet des nouveaux contrats", required=False,
                                         widget=DATE_WIDGET)
    send_date = forms.DateField(label="Date d'envoi de la lettre", required=False, widget=DATE_WIDGET)
    dates_confirmed = forms.BooleanField(
        label="Je confirme choisir les dates ci-dessus et reconnais être responsable de ce choix.", required=False)


class SignatureForm(forms.Form):
    email = forms.EmailField(label="Adresse mail de votre souscripteur")
    mobile_phone = forms.CharField(label="Numéro de mobile de votre souscripteur", max_length=20)
    mode = forms.ChoiceField(label="Comment signe votre client ?", widget=forms.RadioSelect, choices=[
        ("remote", "A distance : Votre client reçoit un mail et effectue la procédure en autonomie"),
        ("in_person", "En présentiel : Vous êtes en présence de votre client et vous l'accompagnez dans la "
                      "procédure à partir de vos outils")])
    certified = forms.BooleanField(
        label="Je certifie avoir fourni les informations de mon souscripteur et que celles-ci sont exactes",
        required=False)


class LetterFiltersForm(forms.Form):
    """The « Résiliations » list: a folder and the column filters (read from the query string)."""

    dossier = forms.ChoiceField(label="Dossier", required=False,
                                choices=[(key, label) for key, (label, _) in FOLDERS.items()])
    number = IdField(label="N°")
    subscriber = forms.CharField(label="Souscripteur", required=False, max_length=80)
    contract = forms.CharField(label="Contrat", required=False, max_length=80)
    recipient = forms.CharField(label="Destinataire", required=False, max_length=80)
    manager = IdField(label="Collaborateur")


class InsurerRequestForm(forms.Form):
    name = forms.CharField(label="Nom de la compagnie", max_length=120)
    address = forms.CharField(label="Adresse connue pour les résiliations", required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))
    comment = forms.CharField(label="Commentaire", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class IdentityForm(forms.Form):
    mobile_phone = forms.CharField(label="Téléphone portable", max_length=20)
    email = forms.EmailField(label="Adresse mail")
    confirmed = forms.BooleanField(required=False, label="Je confirme les informations ci-dessus et demande à "
                                                         "procéder à une vérification forte de mon identité")
    price_accepted = forms.BooleanField(required=False, label="J'ai pris connaissance du tarif ci-dessus indiqué et "
                                                              "consens à ce que ce montant soit déduit de mon crédit")
