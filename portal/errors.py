"""The one application error of the product.

Services raise it with a French message; the API turns it into a 400 (``portal.api``) and the
pages into a form error or a message (``portal.views.form_error``), each in one place.
"""

from __future__ import annotations


class ApplicationError(Exception):
    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid",
                 errors: list | dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
        # Detailed errors, e.g. per row of an import: [{"row": 3, "reference": ["…"]}, …]
        self.errors = errors

    def as_dict(self) -> dict:
        if self.errors is not None:
            return {"detail": self.message, "errors": self.errors}
        if self.field:
            return {self.field: [self.message]}
        return {"detail": self.message}


class PermissionDeniedError(ApplicationError):
    """A user acts on a row they may not touch (turned into 403/404 by the interfaces)."""

    def __init__(self, message: str = "Vous n'avez pas accès à cet élément.") -> None:
        super().__init__(message, code="permission_denied")
