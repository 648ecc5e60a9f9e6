from django import template

from portal.account_views import help_request_url as _help_request_url

register = template.Library()


@register.simple_tag
def help_request_url(subject: str, about: str = "") -> str:
    """A prefilled « Demande d'aide » (``?sujet=…&objet=…``)."""
    return _help_request_url(subject, about)
