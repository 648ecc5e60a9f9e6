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
