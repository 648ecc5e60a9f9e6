"""Fixtures of the library tests: products and versions added through the service."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from library import services
from library.models import DocumentKind
from portal.models import Product
from tests.files import pdf_bytes


def pdf_upload(name: str = "cg.pdf", pages: int = 1) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(pages=pages), content_type="application/pdf")


@pytest.fixture
def product(db):
    return Product.objects.create(code="pyramide_artisan", name="Pyramide Artisan")


@pytest.fixture
def add_version(db):
    """Add a version of a document (conditions générales unless told) through the service."""

    def _add(product, *, version, effective_from, kind=DocumentKind.GENERAL_CONDITIONS, title="", pages=1, by=None):
        return services.product_document_add(product=product, kind=kind, title=title, version=version,
                                             effective_from=effective_from, upload=pdf_upload(pages=pages), by=by)

    return _add


@pytest.fixture
def library(product, add_version):
    """Conditions générales in three versions (2025, 2026, a future one) and a notice."""
    return {
        "old": add_version(product, version="01-2025", effective_from=date(2025, 1, 1)),
        "current": add_version(product, version="01-2026", effective_from=date(2026, 1, 1), pages=2),
        "future": add_version(product, version="07-2026", effective_from=date(2026, 7, 1)),
        "notice": add_version(product, version="01-2026", effective_from=date(2026, 1, 1),
                              kind=DocumentKind.INFORMATION_NOTICE),
    }
