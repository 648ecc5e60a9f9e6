"""The platform's middlewares.

* ``RequestIdMiddleware``: the request id, read from the proxy's ``X-Request-ID`` when it is safe
  to log, else made here; carried by every log line of the request and of the Celery tasks it
  starts (``portal.logs``, ``portal.celery``), and sent back in the response's ``X-Request-ID``.
* ``ApplicationErrorMiddleware``: the pages' one translation of the application error (the
  API's is ``portal.api.exception_handler``). A view shows a service's error in its form
  (``portal.views.form_call``); what it does not show reaches this middleware: a
  ``PermissionDeniedError`` becomes Django's ``PermissionDenied`` with its French message (the
  403 page shows it), any other ``ApplicationError`` a ``BadRequest`` with its message (400).
  Views never catch either to translate it.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.exceptions import BadRequest, PermissionDenied
from django.core.signals import request_finished
from django.dispatch import receiver

from portal import logs
from portal.errors import ApplicationError, PermissionDeniedError

access_logger = logging.getLogger("portal.access")


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = logs.request_id_from(request.headers.get(logs.REQUEST_ID_HEADER))
        request.request_id = request_id
        # Bound until the response is closed, not only while the middlewares run: Django logs
        # 4xx and 5xx answers ("Not Found: …") after them.
        logs.bind(logs.LogContext(request_id=request_id, request=request))
        started = time.monotonic()
        response = self.get_response(request)
        response[logs.REQUEST_ID_HEADER] = request_id
        if settings.PORTAL_ACCESS_LOG:
            access_log(request, response, seconds=time.monotonic() - started)
        return response


@receiver(request_finished)
def _request_finished(**kwargs) -> None:
    logs.unbind_all()


def access_log(request, response, *, seconds: float) -> None:
    """One line per request: the route (``resiliations/<int:pk>/``, never the path: paths carry
    tokens, query strings carry what users search for), the view, the status and the time."""
    match = getattr(request, "resolver_match", None)
    access_logger.info(
        "%s %s %s", request.method, match.route if match else "-", response.status_code,
        extra={"method": request.method, "route": match.route if match else None,
               "view": match.view_name if match else None, "status": response.status_code,
               "duration_ms": round(seconds * 1000, 1)},
    )



class ApplicationErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDeniedError):
            raise PermissionDenied(exception.message) from exception
        if isinstance(exception, ApplicationError):
            raise BadRequest(exception.message) from exception
        return None
