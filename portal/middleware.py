"""The pages' one translation of the application error (the API's is ``portal.api.exception_handler``).

A view shows a service's error in its form (``portal.views.form_call``); what it does not show
reaches this middleware: a ``PermissionDeniedError`` becomes Django's ``PermissionDenied`` with
its French message (the 403 page shows it), any other ``ApplicationError`` a ``BadRequest``
with its message (400). Views never catch either to translate it.
"""

from __future__ import annotations

from django.core.exceptions import BadRequest, PermissionDenied

from portal.errors import ApplicationError, PermissionDeniedError


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
