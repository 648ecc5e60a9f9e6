from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm

from portal import services


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label="Adresse e-mail",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        "invalid_login": "Adresse e-mail ou mot de passe incorrect.",
        "inactive": "Ce compte est désactivé.",
    }


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
