"""French formats in the admin. Django shows a DecimalField as « 1504,96 » (no grouping, no
currency): money columns and read-only fields use ``money()`` and read « 1 504,96 € »."""

from __future__ import annotations

from operator import attrgetter

from django.contrib import admin

from portal.formatting import format_money


def money(field: str, description: str):
    """A list column or read-only field showing ``field`` (``a__b`` follows relations) as money,
    sortable on the field."""
    read = attrgetter(field.replace("__", "."))

    @admin.display(description=description, ordering=field)
    def column(obj):
        return format_money(read(obj))

    column.__name__ = f"{field}_money"
    return column
