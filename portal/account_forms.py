"""Forms of the account pages (French labels of seeds 001 §2, §9.3–9.6): they only read the
input; every rule is a service's (``portal.accounts``), whose errors come back next to their
field (``add_service_errors``)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import PasswordChangeForm

from portal.errors import ApplicationError
from portal.forms import SafeModelMultipleChoiceField
from portal.models import Affiliation, Area, DelegationProfile, Role


def add_service_errors(form: forms.Form, error: ApplicationError) -> None:
    """A service's error(s) next to their field(s), or above the form."""
    by_field = error.errors if isinstance(error.errors, dict) else {error.field or "__all__": [error.message]}
    for field, messages in by_field.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


class OriasForm(forms.Form):
    """Step 1 of the sign-up: « Vous avez un numéro ORIAS ? Entrez ici votre numéro ORIAS »."""

    orias = forms.CharField(label="N° ORIAS", max_length=20, required=False,
                            widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "0700 0001",
                                                          "autocomplete": "off"}))


class SignupForm(forms.Form):
    """« Inscription d'un intermédiaire en assurance (agent, courtier, commercial) »."""

    email = forms.CharField(label="Adresse e-mail", max_length=254,
                            widget=forms.EmailInput(attrs={"autocomplete": "email"}),
                            help_text="Votre identifiant de connexion ; nos e-mails vous sont envoyés à cette adresse.")
    password1 = forms.CharField(label="Mot de passe", strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label="Saisissez à nouveau", strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    last_name = forms.CharField(label="Nom", max_length=120)
    first_name = forms.CharField(label="Prénom", max_length=120)
    trade_name = forms.CharField(label="Nom commercial", max_length=200,
                                 help_text="Nom utilisé pour signer vos courriers (exemple : Agence Durant).")
    orias = forms.CharField(label="N° ORIAS", required=False, widget=forms.HiddenInput)
    affiliation = forms.ChoiceField(label="Affiliation", choices=Affiliation.choices, initial=Affiliation.NONE)
    address_line1 = forms.CharField(label="Adresse", max_length=120)
    address_line2 = forms.CharField(label="Complément d'adresse", max_length=120, required=False)
    postal_code = forms.CharField(label="Code postal", max_length=10,
                                  widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}))
    city = forms.CharField(label="Ville", max_length=120)
    phone = forms.CharField(label="Téléphone", max_length=30, help_text="Le numéro de l'agence.",
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}))
    mobile_phone = forms.CharField(label="Téléphone portable", max_length=30, required=False,
                                   help_text="Facultatif, pour vous contacter en cas d'urgence.",
                                   widget=forms.TextInput(attrs={"inputmode": "tel"}))
    terms_accepted = forms.BooleanField(label="Je reconnais avoir lu et compris les CGU et les CGV et je les accepte",
                                        required=False)


class ResendForm(forms.Form):
    email = forms.EmailField(label="Adresse e-mail", max_length=254)


class PasswordSetForm(forms.Form):
    """The invited person chooses their password."""

    password1 = forms.CharField(label="Mot de passe", strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label="Répéter le mot de passe", strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))


class AccountPasswordChangeForm(PasswordChangeForm):
    """« Changer mon mot de passe » (seed 001 §9.3). Saves the password alone: the user object of
    a request carries its current organisation in memory (``portal.memberships``), which is
    never written back."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = "Mot de passe actuel"
        self.fields["new_password1"].label = "Nouveau mot de passe"
        self.fields["new_password2"].label = "Répéter le nouveau mot de passe"

    def save(self, commit=True):
        self.user.set_password(self.cleaned_data["new_password1"])
        if commit:
            self.user.save(update_fields=["password"])
        return self.user


class DetailsForm(forms.Form):
    """« Modifier mes coordonnées »: e-mail and phones; the rest is shown greyed."""

    email = forms.CharField(label="Adresse e-mail", max_length=254, widget=forms.EmailInput)
    phone = forms.CharField(label="Téléphone", max_length=30, required=False)
    mobile_phone = forms.CharField(label="Téléphone portable", max_length=30, required=False,
                                   help_text="Facultatif, pour vous contacter en cas d'urgence.")
    organisation_phone = forms.CharField(label="Téléphone du cabinet", max_length=30, required=False)

    def __init__(self, *args, administrator: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not administrator:
            del self.fields["organisation_phone"]
        else:
            self.fields["organisation_phone"].required = True


class LetterheadLineForm(forms.Form):
    line = forms.CharField(label="Ajouter une ligne à l'entête", max_length=200, required=False,
                           help_text="Par exemple : adresse e-mail, téléphone, site internet.")


class InviteForm(forms.Form):
    """« Nouvel utilisateur »."""

    email = forms.CharField(label="Adresse e-mail professionnelle", max_length=254, widget=forms.EmailInput,
                            help_text="Sa propre adresse (non générique : pas de contact@, info@, accueil@…).")
    first_name = forms.CharField(label="Prénom", max_length=120)
    last_name = forms.CharField(label="Nom", max_length=120)
    phone = forms.CharField(label="Téléphone", max_length=30, required=False)
    role = forms.ChoiceField(label="Rôle", choices=[(Role.COLLABORATOR.value, Role.COLLABORATOR.label),
                                                    (Role.ADMINISTRATOR.value, Role.ADMINISTRATOR.label)],
                             initial=Role.COLLABORATOR, widget=forms.RadioSelect)
    profiles = SafeModelMultipleChoiceField(
        label="Profils de délégation", required=False, queryset=DelegationProfile.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="Pour un collaborateur : les espaces et la partie du portefeuille qu'il peut gérer.")

    def __init__(self, *args, organisation_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["profiles"].queryset = DelegationProfile.objects.filter(
            organisation_id=organisation_id).order_by("name")


class MembershipForm(forms.Form):
    """« Modifier » a user: role and profiles."""

    role = InviteForm.base_fields["role"]
    profiles = InviteForm.base_fields["profiles"]

    def __init__(self, *args, organisation_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["profiles"].queryset = DelegationProfile.objects.filter(
            organisation_id=organisation_id).order_by("name")


class ProfileForm(forms.Form):
    """A delegation profile: name, areas, and the part of the portfolio (list and/or départements)."""

    name = forms.CharField(label="Nom du profil", max_length=120)
    areas = forms.MultipleChoiceField(label="Espaces délégués", choices=Area.choices, required=False,
                                      widget=forms.CheckboxSelectMultiple)
    member_numbers = forms.CharField(
        label="Sociétaires (par liste)", required=False,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "9000001, 9000002…"}),
        help_text="Les n° sociétaire, séparés par des espaces, virgules ou retours à la ligne.")
    departements = forms.CharField(
        label="Sociétaires (par département)", required=False, max_length=400,
        widget=forms.TextInput(attrs={"placeholder": "38, 73, 2A"}),
        help_text="Tous les sociétaires du cabinet dont l'adresse est dans ces départements.")
