"""Stored files of envelopes: rows deleted with the change that drops them, files removed from
storage once that change is committed (a rolled-back change never loses a file)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.files.storage import default_storage
from django.db import transaction

from portal.models import StoredDocument


def files_delete_after_commit(names: Iterable[str]) -> None:
    names = [name for name in names if name]
    if not names:
        return

    def delete() -> None:
        for name in names:
            default_storage.delete(name)

    transaction.on_commit(delete, robust=True)


def stored_documents_delete(*, ids: Iterable[int]) -> int:
    """Delete StoredDocument rows (nothing may reference them any more) and, after commit,
    their files. Returns the number of files."""
    ids = [pk for pk in ids if pk]
    if not ids:
        return 0
    names = list(StoredDocument.objects.filter(pk__in=ids).values_list("file", flat=True))
    StoredDocument.objects.filter(pk__in=ids).delete()
    files_delete_after_commit(names)
    return len(names)
