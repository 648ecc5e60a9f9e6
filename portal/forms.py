from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.db import models

from portal import services
from portal.memberships import active_memberships, has_memberships


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label="Adresse e-mail",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        "invalid_login": "Adresse e-mail ou mot de passe incorrect.",
        "inactive": "Ce compte est désactivé.",
        "not_activated": "Votre compte n'est pas encore activé : cliquez sur le lien d'activation que nous vous "
                         "avons envoyé par e-mail (pensez à regarder dans vos courriers indésirables).",
        "no_membership": "Votre accès à l'espace courtier a été désactivé par l'administrateur de votre cabinet.",
    }
    not_activated = False  # the login page then offers « Renvoyer le lien »

    def confirm_login_allowed(self, user):
        """After the password was checked: an account still to activate, or whose every
        organisation access was deactivated, does not sign in (with a French reason)."""
        super().confirm_login_allowed(user)
        if user.activated_at is None:
            self.not_activated = True
            raise ValidationError(self.error_messages["not_activated"], code="not_activated")
        if has_memberships(user) and not active_memberships(user):
            raise ValidationError(self.error_messages["no_membership"], code="no_membership")


def login_attempt_username(request, credentials) -> str | None:
    """The key django-axes counts failed logins under: the e-mail, whatever its case, so that
    ``Ada@…`` and ``ada@…`` share one counter (login is case-insensitive)."""
    source = credentials if credentials else getattr(request, "POST", {})
    username = source.get("username") if source else None
    return username.strip().lower() if isinstance(username, str) else username


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, but the e-mail goes through the outbox like every other, and its
    link is made only when the outbox sends it (``services.user_password_reset_request``)."""

    email = forms.EmailField(  # the login's words (Django says « Courriel »)
        label="Adresse e-mail", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def save(self, **kwargs) -> None:  # Django's options (templates, domain, token generator) do not apply
        for user in self.get_users(self.cleaned_data["email"]):
            services.user_password_reset_request(user=user)


# The largest id a row can have (BigAutoField: PostgreSQL bigint, SQLite integer).
MAX_ID = 2**63 - 1


class IdField(forms.IntegerField):
    """The one way to read a row id from a request (a filter, a choice, a « from » link): a
    positive integer the database can hold. Letters, 99999999999999999999999, -1, NUL bytes or
    superscript digits are a French validation error, never a server error."""

    default_error_messages = {
        "invalid": "Ce numéro n'est pas valide.",
        "min_value": "Ce numéro n'est pas valide.",
        "max_value": "Ce numéro n'est pas valide.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


def parse_id(value) -> int | None:
    """``value`` as a row id, or None when it is not one."""
    try:
        return IdField().clean(value)
    except forms.ValidationError:
        return None


def request_id(data, name: str) -> int | None:
    """The id ``name`` of a request's GET or POST data, or None when it is absent or not an id."""
    return parse_id(data.get(name))


SEARCH_MAX_LENGTH = 100


def search_term(data, name: str = "q") -> str:
    """The free text of a search box (``?q=``) as a page may put it in a query: control
    characters (NUL, which PostgreSQL refuses in text) dropped, spaces collapsed, at most
    ``SEARCH_MAX_LENGTH`` characters. Django's form fields do the same for what they read."""
    value = data.get(name, "")
    if not isinstance(value, str):
        return ""
    printable = "".join(char if char.isprintable() else " " for char in value)
    return " ".join(printable.split())[:SEARCH_MAX_LENGTH]


class SafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Ids checked (``IdField``) before Django puts them in an ``__in`` query: a huge or
    malformed id is the field's French error, never an OverflowError of the database."""

    def _check_values(self, value):
        if isinstance(self.queryset.model._meta.pk, models.IntegerField):
            for item in value:
                if parse_id(item) is None:
                    raise forms.ValidationError(self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                                                params={"pk": str(item)[:40]})
        return super()._check_values(value)
