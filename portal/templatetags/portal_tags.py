import re

from django import template

from portal.formatting import format_date, format_long_date, format_money

register = template.Library()


@register.filter
def money(value):
    return format_money(value)


@register.filter
def frdate(value):
    return format_date(value)


@register.filter
def longdate(value):
    return format_long_date(value) if value else ""


@register.filter
def sort_toggle(key: str, current: str) -> str:
    """The sort parameter a column header links to: ascending first, then descending."""
    return f"-{key}" if current == key else key


@register.filter
def sort_arrow(key: str, current: str) -> str:
    if current == key:
        return " ▲"
    if current == f"-{key}":
        return " ▼"
    return ""


@register.filter
def aria_sort(key: str, current: str) -> str:
    """The ``aria-sort`` of a sortable column heading."""
    if current == key:
        return "ascending"
    if current == f"-{key}":
        return "descending"
    return "none"


ELISION = re.compile(r"\b(de|le|la|que) (?=[aeiouyàâäéèêëîïôöùûüœAEIOUYÀÂÄÉÈÊËÎÏÔÖÙÛÜŒ])")
ELIDED = {"de": "d’", "le": "l’", "la": "l’", "que": "qu’"}


@register.filter
def elide(text: str) -> str:
    """French elision before a vowel: « Ajout de utilisateur » → « Ajout d’utilisateur »,
    « le établissement » → « l’établissement » (a mute h is left alone: too rare to guess)."""
    return ELISION.sub(lambda match: ELIDED[match.group(1)], str(text)) if text else text
