"""Sorting names as a French reader expects: « Électricité » between « Dupont » and « Fabre »,
whatever the database's collation (SQLite compares bytes, PostgreSQL clusters are often created
with the C collation: both put É after Z).

``SortKey(expression)`` is the name without accents and case: ``portal_sort_key()``, a Python
function installed on each SQLite connection, or ``lower(translate(…))`` on PostgreSQL. Use it
in ``order_by`` (``SortKey("company_name").asc()``), then the raw value to break ties.
"""

from __future__ import annotations

import unicodedata

from django.db.models import CharField, Func

ACCENTED = "ÀÁÂÃÄÅàáâãäåÇçÈÉÊËèéêëÌÍÎÏìíîïÑñÒÓÔÕÖòóôõöÙÚÛÜùúûüÝŸýÿ"
PLAIN = "AAAAAAaaaaaaCcEEEEeeeeIIIIiiiiNnOOOOOoooooUUUUuuuuYYyy"
LIGATURES = {"œ": "oe", "æ": "ae", "ß": "ss"}


def sort_key(value: str | None) -> str | None:
    """The text as it sorts: accents and case removed, ligatures spelt out (« Œuvre » → « oeuvre »)."""
    if value is None:
        return None
    folded = value.casefold()
    for ligature, letters in LIGATURES.items():
        folded = folded.replace(ligature, letters)
    return "".join(char for char in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(char))


def sqlite_functions_install(sender, connection, **kwargs) -> None:
    """``connection_created``: give each SQLite connection ``portal_sort_key()``."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("portal_sort_key", 1, sort_key, deterministic=True)


class SortKey(Func):
    function = "portal_sort_key"
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra_context):
        template = (f"lower(replace(replace(replace(translate(%(expressions)s, '{ACCENTED}', '{PLAIN}'), "
                    "'Œ', 'oe'), 'œ', 'oe'), 'Æ', 'ae'))")
        return self.as_sql(compiler, connection, template=template, **extra_context)

    def as_sql(self, compiler, connection, **extra_context):
        if connection.vendor not in ("sqlite", "postgresql"):
            extra_context.setdefault("function", "LOWER")
        return super().as_sql(compiler, connection, **extra_context)
