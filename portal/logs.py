"""Structured logs: one JSON object per line in production (python-json-logger), plain text in
development (``LOG_FORMAT``). Every record carries the id of the request that logged it — or of
the request that started the Celery task that logged it — and the user's id when known, so that
a request and its tasks can be followed across machines. Ids only: no e-mail, name or URL
with its query string (``portal.middleware`` logs the route, not the path).
"""

from __future__ import annotations

import logging
import re
import uuid
from contextvars import ContextVar
from dataclasses import dataclass

from django.utils.functional import LazyObject, empty
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# An id from the proxy is kept only if it looks like one (a UUID, hex, a proxy's token): never
# a line break or markup in the logs, never a 10 kB header copied into every line.
SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
# Headers of a task message: the request (or task) that queued it, and its user.
TASK_REQUEST_ID = "portal_request_id"
TASK_USER_ID = "portal_user_id"


@dataclass(frozen=True)
class LogContext:
    request_id: str | None = None
    request: object | None = None  # the HttpRequest: its user's id, once the user is known
    user_id: int | None = None
    task_id: str | None = None
    task_name: str | None = None


NO_CONTEXT = LogContext()
_context: ContextVar[LogContext | None] = ContextVar("portal_log_context", default=None)


def request_id_from(header: str | None) -> str:
    """The proxy's request id when it is safe to log, else a new one."""
    if header and SAFE_REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def request_user_id(request) -> int | None:
    """The id of the request's user once authentication has looked it up — never looks it up
    itself (a log line costs no query and cannot recurse into the database's own logging)."""
    user = getattr(request, "user", None)
    if user is None or (issubclass(type(user), LazyObject) and user._wrapped is empty):
        return None
    return user.pk if getattr(user, "is_authenticated", False) else None


def current() -> LogContext:
    return _context.get() or NO_CONTEXT


def current_request_id() -> str | None:
    return current().request_id


def current_user_id() -> int | None:
    context = current()
    if context.user_id is not None:
        return context.user_id
    return request_user_id(context.request) if context.request is not None else None


def bind(context: LogContext):
    """Make ``context`` the current one; returns the token for ``unbind``."""
    return _context.set(context)


def unbind(token) -> None:
    _context.reset(token)


def unbind_all() -> None:
    """Back to no context (a request's response was closed)."""
    _context.set(None)


class ContextFilter(logging.Filter):
    """Adds ``request_id`` and ``user_id`` (and, in a task, ``task_id`` and ``task_name``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = current()
        record.request_id = context.request_id
        record.user_id = current_user_id()
        if context.task_id:
            record.task_id = context.task_id
            record.task_name = context.task_name
        return True


# Keys of a JSON line, in this order; "time" (ISO 8601, UTC) is added by the formatter, and
# "exception" (the formatted traceback) when there is one.
JSON_FIELDS = ["levelname", "name", "message", "request_id", "user_id"]
JSON_RENAMES = {"levelname": "level", "name": "logger", "exc_info": "exception"}
# Attributes some records carry that must not become keys: Django's ``request`` (its repr has
# the URL with its query string) and the development server's ``server_time``.
JSON_EXCLUDED = ["request", "server_time"]


def json_formatter() -> JsonFormatter:
    """The production formatter (LOGGING's ``"()"``)."""
    return JsonFormatter(JSON_FIELDS, rename_fields=JSON_RENAMES, timestamp="time",
                         reserved_attrs=[*RESERVED_ATTRS, *JSON_EXCLUDED])
