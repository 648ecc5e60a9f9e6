"""Courrier papier at scale (issue 9, "Proof expected"), on PostgreSQL only.

``DATABASE_URL=postgres://postgres@127.0.0.1:5432/courrier_bench .venv/bin/python -m benchmarks courrier``

Data are written set-based (``generate_series``): validated envelopes due for La Poste, and
posted envelopes whose contents (upload, print-ready PDF, page image: three real files each)
are past the 14 days of retention.

Figures, each beside a limit measured in the same run:
1. the 10:30 hand-over of 20 000 due envelopes (``envelopes_hand_over``: state, history, the
   submission messages queued after commit) against one committed set-based UPDATE of the same
   rows (target <= 5x), and its query count for 2 000 and 20 000 envelopes (must be equal);
2. the purge of 100 000 envelopes' contents (``contents_purge``: 300 000 files unlinked, their
   rows deleted, the envelopes marked, history written), envelopes/s and files/s, the share of
   the file unlinks, its queries for 10 000 and 100 000 envelopes, and proof that every file is
   gone and every envelope (price, history) kept.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

PARIS = ZoneInfo("Europe/Paris")
SMALL_DUE = 2_000
LARGE_DUE = 20_000
SMALL_PURGE = 10_000
LARGE_PURGE = 100_000
DAY = date(2026, 3, 2)  # a Monday
NEXT_DAY = date(2026, 3, 3)


def run(report) -> None:
    if connection.vendor != "postgresql":
        print("- skipped: the courrier benchmark needs PostgreSQL "
              "(DATABASE_URL=postgres://postgres@127.0.0.1:5432/courrier_bench make bench)")
        return
    media = tempfile.mkdtemp(prefix="bench-courrier-media-")
    with override_settings(MEDIA_ROOT=media), _bench_broker() as broker:
        try:
            organisation_id, user_id = _people()
            _handover(report, organisation_id, user_id, broker)
            _purge(report, organisation_id, user_id, Path(media))
        finally:
            shutil.rmtree(media, ignore_errors=True)


# ------------------------------------------------------------------------------ generation


def _sql(statement: str, params: list | tuple = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or None)
        return cursor.rowcount


def _ids(statement: str, params: list | tuple = ()) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or None)
        return [row[0] for row in cursor.fetchall()]


def _people() -> tuple[int, int]:
    from portal import services
    from portal.models import Role

    organisation = services.organisation_create(orias="09990009", name="Bench Courrier SARL", trade_name="Bench",
                                                address_line1="1 rue du Banc", postal_code="38000", city="Grenoble")
    user = services.user_create(email="bench@courrier.test", password=None, role=Role.ADMINISTRATOR,
                                organisation=organisation)
    return organisation.pk, user.pk


ENVELOPE_COLUMNS = """organisation_id, created_by_id, mode, colour, duplex, staple, recipient_source, recipient_name,
    recipient_lines, recipient_postal_code, recipient_city, sender_name, sender_lines, sender_postal_code,
    sender_city, send_on, status, handover_date, pages, sheets, price, print_key, print_pages, validated_at,
    transmitted_at, posted_at, provider, provider_reference, tracking_number, delivery_status, created_at,
    updated_at"""


def _envelopes(count: int, *, organisation_id: int, user_id: int, status: str, handover: date,
               posted_at: datetime | None = None) -> list[int]:
    """``count`` validated envelopes (lettre verte, one sheet) in one INSERT … SELECT."""
    return _ids(
        f"""INSERT INTO courrier_envelope ({ENVELOPE_COLUMNS})
            SELECT %(org)s, %(user)s, 'lettre_verte', true, true, false, 'typed', 'DESTINATAIRE ' || i,
                   '["1 rue des Fleurs"]'::jsonb, '38000', 'GRENOBLE', '', '[]'::jsonb, '', '', NULL, %(status)s,
                   %(handover)s, 1, 2, 1.48, '', 2, %(validated)s, %(posted)s::timestamptz, %(posted)s::timestamptz,
                   CASE WHEN %(posted)s::timestamptz IS NULL THEN '' ELSE 'sandbox' END,
                   CASE WHEN %(posted)s::timestamptz IS NULL THEN '' ELSE 'pli_bench_' || i || '_' || %(handover)s::text END,
                   '', '', %(validated)s, %(validated)s
            FROM generate_series(1, %(count)s) AS i RETURNING id""",
        {"org": organisation_id, "user": user_id, "status": status, "handover": handover, "count": count,
         "validated": datetime.combine(handover - timedelta(days=1), clock_time(15), tzinfo=PARIS),
         "posted": posted_at},
    )


@contextlib.contextmanager
def _bench_broker():
    """The submission messages of this run go to a queue of their own (a temporary folder
    when there is no Redis), counted and timed, then thrown away: no worker reads them."""
    from courrier.tasks import envelopes_submit_task
    from portal.celery import app

    folder = tempfile.mkdtemp(prefix="bench-courrier-queue-")
    queue = "bench-courrier"
    old = dict(app.conf.broker_transport_options or {}), app.conf.task_default_queue
    if not app.conf.broker_url or app.conf.broker_url.startswith("filesystem"):
        app.conf.broker_transport_options = {"data_folder_in": folder, "data_folder_out": folder,
                                             "control_folder": folder, "store_processed": False}
    app.conf.task_default_queue = queue
    stats = {"messages": 0, "seconds": 0.0}
    original = envelopes_submit_task.delay

    def delay(*args, **kwargs):
        started = time.perf_counter()
        stats["messages"] += 1
        try:
            return original(*args, **kwargs)
        finally:
            stats["seconds"] += time.perf_counter() - started

    envelopes_submit_task.delay = delay
    try:
        yield stats
    finally:
        del envelopes_submit_task.delay
        with contextlib.suppress(Exception), app.connection_for_write() as conn:
            conn.default_channel.queue_purge(queue)
        app.conf.broker_transport_options, app.conf.task_default_queue = old
        shutil.rmtree(folder, ignore_errors=True)


# ------------------------------------------------------------------------------- hand-over


def _hand_over(day: date) -> tuple[float, int, list[int]]:
    from courrier import services
    from portal import clock

    now = datetime.combine(day, clock_time(10, 30), tzinfo=PARIS)
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        ids = services.envelopes_hand_over(now=now, calendar=clock.business_calendar())
        elapsed = time.perf_counter() - started
    return elapsed, len(queries), ids


def _update_baseline(ids: list[int], rounds: int = 3) -> float:
    """Median time of one committed set-based UPDATE of the same rows (the table vacuumed
    between rounds); it only touches ``updated_at``, which the hand-over overwrites anyway."""
    timings = []
    for _ in range(rounds):
        started = time.perf_counter()
        with transaction.atomic():
            updated = _sql("UPDATE courrier_envelope SET updated_at = now() WHERE id = ANY(%s)", [ids])
        timings.append(time.perf_counter() - started)
        assert updated == len(ids), (updated, len(ids))
        _sql("VACUUM ANALYZE courrier_envelope")
    return statistics.median(timings)


def _handover(report, organisation_id: int, user_id: int, broker: dict) -> None:
    small = _envelopes(SMALL_DUE, organisation_id=organisation_id, user_id=user_id, status="scheduled",
                       handover=DAY)
    _sql("VACUUM ANALYZE courrier_envelope")
    small_seconds, small_queries, moved = _hand_over(DAY)
    assert sorted(moved) == sorted(small), (len(moved), len(small))
    large = _envelopes(LARGE_DUE, organisation_id=organisation_id, user_id=user_id, status="scheduled",
                       handover=NEXT_DAY)
    _sql("VACUUM ANALYZE courrier_envelope")
    limit = _update_baseline(large)
    broker.update(messages=0, seconds=0.0)
    seconds, queries, moved = _hand_over(NEXT_DAY)
    assert sorted(moved) == sorted(large), (len(moved), len(large))
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM courrier_envelopeevent WHERE type = 'transmitted'")
        events = cursor.fetchone()[0]
    assert events == SMALL_DUE + LARGE_DUE, events
    report("10:30 hand-over of 20 000 due envelopes (state, history, submissions queued after commit)", seconds,
           "s", limit, "one committed UPDATE of the same 20 000 rows")
    report("  of which queueing the provider submissions after commit", broker["seconds"], "s", seconds,
           "the hand-over")
    report("  submission messages (200 envelopes each)", broker["messages"], "messages")
    report("queries of the hand-over of 2 000 envelopes", small_queries, "queries")
    report("queries of the hand-over of 20 000 envelopes", queries, "queries", small_queries, "2 000 envelopes")
    report("  (hand-over of 2 000 envelopes, for scale)", small_seconds, "s")


# ----------------------------------------------------------------------------------- purge


def _contents(ids: list[int], media: Path, tag: str) -> int:
    """For each envelope: a StoredDocument per content (upload = its PDF, print-ready PDF,
    page image), one document row, one preview row; and the three files, really written."""
    first = ids[0]
    assert ids == list(range(first, first + len(ids)))
    base = _ids("SELECT COALESCE(MAX(id), 0) FROM portal_storeddocument")[0]
    names = {kind: f"bench/{tag}/{kind}/%s.bin" for kind in ("upload", "print", "image")}
    offsets = {"upload": 0, "print": 1, "image": 2}
    _sql(
        """INSERT INTO portal_storeddocument (id, file, original_name, content_type, size, sha256, created_at)
           SELECT %(base)s + 3 * (e - %(first)s) + k.n + 1,
                  replace(k.pattern, '%%s', e::text), 'document.pdf', 'application/pdf', 32, repeat('0', 64), now()
           FROM generate_series(%(first)s, %(last)s) AS e,
                (VALUES (0, %(upload)s), (1, %(print)s), (2, %(image)s)) AS k(n, pattern)""",
        {"base": base, "first": first, "last": ids[-1], **names},
    )
    _sql("SELECT setval(pg_get_serial_sequence('portal_storeddocument', 'id'), "
         "(SELECT MAX(id) FROM portal_storeddocument))")
    _sql("""INSERT INTO courrier_envelopedocument (envelope_id, position, name, kind, status, error, original_id,
                pdf_id, pages, address, address_checked, created_at)
            SELECT e, 1, 'courrier.pdf', 'pdf', 'ready', '', %(base)s + 3 * (e - %(first)s) + 1,
                   %(base)s + 3 * (e - %(first)s) + 1, 1, NULL, true, now()
            FROM generate_series(%(first)s, %(last)s) AS e""", {"base": base, "first": first, "last": ids[-1]})
    _sql("""INSERT INTO courrier_envelopepreview (envelope_id, page, image_id)
            SELECT e, 1, %(base)s + 3 * (e - %(first)s) + 3 FROM generate_series(%(first)s, %(last)s) AS e""",
         {"base": base, "first": first, "last": ids[-1]})
    _sql("""UPDATE courrier_envelope SET print_document_id = %(base)s + 3 * (id - %(first)s) + 2
            WHERE id BETWEEN %(first)s AND %(last)s""", {"base": base, "first": first, "last": ids[-1]})
    written = 0
    for kind in offsets:
        folder = media / "bench" / tag / kind
        folder.mkdir(parents=True, exist_ok=True)
        for envelope_id in ids:
            fd = os.open(folder / f"{envelope_id}.bin", os.O_WRONLY | os.O_CREAT, 0o644)
            os.write(fd, b"%PDF-1.4 bench content\n")
            os.close(fd)
            written += 1
    return written


def _files(media: Path, tag: str) -> int:
    return sum(len(files) for _, _, files in os.walk(media / "bench" / tag))


@contextlib.contextmanager
def _timed_unlinks():
    """Time the file deletions the purge runs after each commit."""
    from courrier.services import content

    stats = {"files": 0, "seconds": 0.0}
    files_delete = content.files_delete

    def timed(names):
        started = time.perf_counter()
        count = files_delete(names)
        stats["seconds"] += time.perf_counter() - started
        stats["files"] += count
        return count

    content.files_delete = timed
    try:
        yield stats
    finally:
        content.files_delete = files_delete


def _purge_run(now: datetime) -> tuple[float, int, object, dict]:
    from courrier import services

    with _timed_unlinks() as unlinks, CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = services.contents_purge(now=now)
        elapsed = time.perf_counter() - started
    return elapsed, len(queries), result, unlinks


def _purge(report, organisation_id: int, user_id: int, media: Path) -> None:
    posted = datetime.combine(DAY - timedelta(days=20), clock_time(11), tzinfo=PARIS)
    now = datetime.combine(DAY, clock_time(3, 15), tzinfo=PARIS)
    started = time.perf_counter()
    small = _envelopes(SMALL_PURGE, organisation_id=organisation_id, user_id=user_id, status="posted",
                       handover=posted.date(), posted_at=posted)
    small_files = _contents(small, media, "small")
    report("data for the purge of 10 000 envelopes (rows set-based, 30 000 files written)",
           time.perf_counter() - started, "s")
    _sql("VACUUM ANALYZE")
    small_seconds, small_queries, result, _ = _purge_run(now)
    assert (result.envelopes, result.files) == (SMALL_PURGE, small_files), result
    started = time.perf_counter()
    large = _envelopes(LARGE_PURGE, organisation_id=organisation_id, user_id=user_id, status="posted",
                       handover=posted.date() + timedelta(days=1), posted_at=posted + timedelta(days=1))
    large_files = _contents(large, media, "large")
    report("data for the purge of 100 000 envelopes (rows set-based, 300 000 files written)",
           time.perf_counter() - started, "s")
    _sql("VACUUM ANALYZE")
    envelopes_before = _ids("SELECT count(*) FROM courrier_envelope")[0]
    seconds, queries, result, unlinks = _purge_run(now)
    assert (result.envelopes, result.files) == (LARGE_PURGE, large_files), result
    assert _files(media, "large") == 0, "files left in storage"
    kept = _ids("""SELECT count(*) FROM courrier_envelope WHERE id = ANY(%s) AND content_deleted_at IS NOT NULL
                   AND price IS NOT NULL AND print_document_id IS NULL""", [large])[0]
    assert kept == LARGE_PURGE and _ids("SELECT count(*) FROM courrier_envelope")[0] == envelopes_before
    history = _ids("SELECT count(*) FROM courrier_envelopeevent WHERE type = 'content_deleted'")[0]
    assert history == SMALL_PURGE + LARGE_PURGE, history
    left = _ids("SELECT count(*) FROM portal_storeddocument WHERE file LIKE 'bench/%%'")[0]
    assert left == 0, left
    report("purge of 100 000 envelopes' contents (300 000 files, rows, marks, history)", seconds, "s")
    report("  envelopes purged per second", LARGE_PURGE / seconds, "envelopes/s")
    report("  files removed per second", large_files / seconds, "files/s")
    report("  of which unlinking the files (after each batch's commit)", unlinks["seconds"], "s", seconds,
           "the purge")
    report("queries of the purge of 10 000 envelopes (one batch)", small_queries, "queries")
    report("queries of the purge of 100 000 envelopes (batches of 20 000)", queries, "queries",
           small_queries * LARGE_PURGE / 20_000 + 1, "the same statements per batch")
    report("  (purge of 10 000 envelopes, for scale)", small_seconds, "s")
    print("   every file of the purged envelopes is gone from storage; envelopes, prices and history kept")
