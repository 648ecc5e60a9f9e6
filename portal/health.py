"""``/sante/`` (and ``/healthz``): may a load balancer send this machine requests?

JSON, 200 when the database, the Celery broker and the file storage all answer, 503 naming the
part that failed otherwise. No authentication and nothing personal in the answer (the name of
the failed part and the type of its error; the details go to the log), never cached, and cheap:
a ``SELECT 1``, one broker connection with a 2-second timeout, and a tiny file written, read
back and deleted.

Why write a file rather than ask whether one exists: on S3 an existence check is a HEAD, whose
answer has no body — a missing bucket and a missing file both say 404 — and a HeadBucket needs
the ListBucket permission the portal otherwise does without; and on a local disk, a full or
read-only volume still answers "exists". Writing is what the portal must be able to do.

The middleware answers before every other one: a probe speaks plain HTTP to the machine's own
address, so neither ``ALLOWED_HOSTS`` (its Host header is an IP address) nor
``SECURE_SSL_REDIRECT`` (no ``X-Forwarded-Proto: https``) may turn it away. Only these two paths,
only GET and HEAD.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.http import HttpResponseNotAllowed, JsonResponse
from django.utils.cache import add_never_cache_headers

logger = logging.getLogger(__name__)

HEALTH_PATHS = frozenset({"/sante/", "/healthz"})
BROKER_TIMEOUT = 2.0  # seconds
PROBE_CONTENT = b"sante"


def database_check() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone()[0] != 1:
            raise RuntimeError("SELECT 1")


def broker_check() -> None:
    """Redis: connect and PING within the timeout. kombu's filesystem transport (one machine,
    ``make run``): its folders exist and can be written to."""
    from portal.celery import app

    url = app.conf.broker_url or ""
    options = dict(app.conf.broker_transport_options or {})
    if url.startswith("filesystem"):
        for key in ("data_folder_in", "data_folder_out", "control_folder"):
            folder = options.get(key)
            if folder and not (os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK)):
                raise OSError(f"broker folder {key} missing or read-only")
        return
    # One attempt, no retry: the load balancer asks again soon enough.
    options.update(socket_connect_timeout=BROKER_TIMEOUT, socket_timeout=BROKER_TIMEOUT, max_retries=0,
                   interval_start=0)
    with app.connection_for_write(url=url, transport_options=options, connect_timeout=BROKER_TIMEOUT) as conn:
        conn.default_channel  # noqa: B018  (connects; on Redis, the new channel PINGs the server)


def storage_check() -> None:
    name = default_storage.save(f"sante/{uuid.uuid4().hex}.txt", ContentFile(PROBE_CONTENT))
    try:
        with default_storage.open(name, "rb") as handle:
            if handle.read() != PROBE_CONTENT:
                raise OSError("storage returned other content")
    finally:
        default_storage.delete(name)


CHECKS: dict[str, Callable[[], None]] = {
    "database": database_check,
    "broker": broker_check,
    "storage": storage_check,
}


def health(request) -> JsonResponse:
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    checks = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            check()
        except Exception as error:
            logger.warning("health check %s failed", name, exc_info=True)
            checks[name] = {"ok": False, "error": type(error).__name__}
        else:
            checks[name] = {"ok": True}
        checks[name]["ms"] = round((time.monotonic() - started) * 1000, 1)
    failed = [name for name, result in checks.items() if not result["ok"]]
    response = JsonResponse({"status": "error" if failed else "ok", "failed": failed, "checks": checks},
                            status=503 if failed else 200)
    add_never_cache_headers(response)
    return response


class HealthCheckMiddleware:
    """Answers the health paths before any other middleware (see the module's docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info in HEALTH_PATHS:
            return health(request)
        return self.get_response(request)
