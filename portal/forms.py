from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.template import loader

from portal import notifications


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
    """Django's reset form, but the e-mail goes through the outbox like every other."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email,
                  to_email, html_email_template_name=None):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        notifications.email_enqueue(
            key=f"password-reset:{context['uid']}:{context['token']}",
            to=to_email,
            subject=subject,
            text=loader.render_to_string(email_template_name, context),
        )
