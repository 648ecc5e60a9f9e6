"""Stored files of envelopes: rows deleted with the change that drops them, files removed from
storage once that change is committed (a rolled-back change never loses a file)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from portal.models import StoredDocument
from portal.storage import files_delete


def files_delete_after_commit(names: Iterable[str]) -> None:
    names = [name for name in names if name]
    if not names:
        return

    transaction.on_commit(lambda: files_delete(names), robust=True)


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
