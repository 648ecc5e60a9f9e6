"""Staff-edited text (FAQ answers, footer pages): Markdown rendered by markdown-it-py with raw
HTML disabled, then sanitised by nh3 (Ammonia) to a short list of tags and attributes, so a
page edited in the admin can never carry a script, a style or a ``javascript:`` link.

Pages may name the insurer and its legal details through placeholders, ``{{ assureur }}`` say,
filled from the settings (``PORTAL_LEGAL_*``) when the page is shown: the text stays right when
the portal runs for another insurer or the host changes.
"""

from __future__ import annotations

import re

import nh3
from django.conf import settings
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "h2", "h3", "h4", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"style"}, "td": {"style"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
MISSING = "[à renseigner]"


def placeholder_values() -> dict[str, str]:
    """The values a page may name, read from the settings at each call."""
    legal = settings.PORTAL_LEGAL
    return {
        "assureur": settings.PORTAL_INSURER_NAME,
        "assureur_adresse": ", ".join(settings.PORTAL_INSURER_ADDRESS),
        "site": settings.PORTAL_BASE_URL,
        **{key: value or MISSING for key, value in legal.items()},
    }


def fill_placeholders(text: str, values: dict[str, str] | None = None) -> str:
    """Replace ``{{ nom }}`` by its value; an unknown name is left as it is (the editor sees it)."""
    values = placeholder_values() if values is None else values
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)


def markdown_html(text: str, *, placeholders: bool = True) -> SafeString:
    """Markdown → sanitised HTML, safe to put in a page."""
    source = fill_placeholders(text) if placeholders else text
    html = _markdown.render(source)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        filter_style_properties={"text-align"},
    )
    return mark_safe(clean)  # noqa: S308 — sanitised by nh3 just above
