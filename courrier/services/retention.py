"""Retention (seed §8.7: « tous les contenus sont supprimés automatiquement passé un délai de
14 jours »): the contents of an envelope — uploaded files, their PDF versions, the print-ready
PDF, the page images — are deleted 14 days after posting; those of drafts never sent 30 days
after their creation, of cancelled envelopes 30 days after the cancellation. The envelope, its
price, its history and La Poste's proofs stay; ``content_deleted_at`` says when.

Set-based, by batches of envelopes: a fixed number of statements per batch whatever the
number of documents; the files leave the storage once the batch is committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q

from courrier import rules
from courrier.models import Envelope, EnvelopeDocument, EnvelopeEvent, EnvelopePreview, EventType, Status
from courrier.services.content import files_delete_after_commit
from portal.models import StoredDocument

# Envelopes per batch: PostgreSQL takes the ids as one array parameter; SQLite as placeholders
# (four lists of them per statement, under its 32 766 variables).
BATCH = {"postgresql": 20_000}
DEFAULT_BATCH = 2_000


@dataclass(frozen=True)
class PurgeResult:
    envelopes: int
    files: int


def contents_due_q(*, now: datetime) -> Q:
    posted_before = now - timedelta(days=rules.CONTENT_RETENTION_DAYS)
    unsent_before = now - timedelta(days=rules.DRAFT_RETENTION_DAYS)
    return Q(content_deleted_at__isnull=True) & (
        Q(status=Status.POSTED, posted_at__lte=posted_before)
        | Q(status=Status.DRAFT, created_at__lte=unsent_before)
        | Q(status=Status.CANCELLED, cancelled_at__lte=unsent_before)
    )


def _in(ids: list[int]) -> tuple[str, list]:
    """``IN`` over a batch of ids: one array parameter on PostgreSQL, placeholders elsewhere."""
    if connection.vendor == "postgresql":
        return "= ANY(%s)", [ids]
    return f"IN ({', '.join(['%s'] * len(ids))})", list(ids)


def contents_purge(*, now: datetime, batch: int | None = None) -> PurgeResult:
    """Delete the contents due at ``now`` (daily beat job). Returns what was purged."""
    batch = batch or BATCH.get(connection.vendor, DEFAULT_BATCH)
    quote = connection.ops.quote_name
    env, doc, prev, stored, events = (quote(model._meta.db_table) for model in (
        Envelope, EnvelopeDocument, EnvelopePreview, StoredDocument, EnvelopeEvent))
    moment = connection.ops.adapt_datetimefield_value(now)
    purged = files = 0
    last_id = 0
    due = Envelope.objects.filter(contents_due_q(now=now)).order_by("id")
    while True:
        ids = list(due.filter(id__gt=last_id).values_list("id", flat=True)[:batch])
        if not ids:
            break
        last_id = ids[-1]
        condition, params = _in(ids)
        contents = (
            f"SELECT original_id FROM {doc} WHERE envelope_id {condition} AND original_id IS NOT NULL "  # noqa: S608
            f"UNION SELECT pdf_id FROM {doc} WHERE envelope_id {condition} AND pdf_id IS NOT NULL "
            f"UNION SELECT image_id FROM {prev} WHERE envelope_id {condition} "
            f"UNION SELECT print_document_id FROM {env} WHERE id {condition} AND print_document_id IS NOT NULL"
        )
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SELECT file FROM {stored} WHERE id IN ({contents})", params * 4)  # noqa: S608
            names = [row[0] for row in cursor.fetchall()]
            # Foreign keys are checked at commit (deferred): the rows go first, then the links.
            cursor.execute(f"DELETE FROM {stored} WHERE id IN ({contents})", params * 4)  # noqa: S608
            cursor.execute(f"UPDATE {doc} SET original_id = NULL, pdf_id = NULL, address = NULL "  # noqa: S608
                           f"WHERE envelope_id {condition}", params)
            cursor.execute(f"DELETE FROM {prev} WHERE envelope_id {condition}", params)  # noqa: S608
            cursor.execute(f"UPDATE {env} SET print_document_id = NULL, print_key = '', "  # noqa: S608
                           f"content_deleted_at = %s, updated_at = %s WHERE id {condition}", [moment, moment, *params])
            cursor.execute(f"INSERT INTO {events} (envelope_id, type, occurred_at, detail, by_id) "  # noqa: S608
                           f"SELECT id, %s, %s, '', NULL FROM {env} WHERE id {condition} ON CONFLICT DO NOTHING",
                           [EventType.CONTENT_DELETED, moment, *params])
            files_delete_after_commit(names)
        purged += len(ids)
        files += len(names)
    return PurgeResult(envelopes=purged, files=files)
