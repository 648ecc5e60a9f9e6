"""« Télécharger nos contrats »: the current version of each document by the business date, older
ones listed, future ones hidden; downloads as uploaded; a constant number of queries."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from library.models import DocumentKind
from portal.models import Product
from portal.pdf import document_bytes

pytestmark = pytest.mark.django_db


def test_the_current_version_by_the_business_date_and_the_older_ones(library, client_for, admin_user, set_today):
    html = client_for(admin_user).get(reverse("library:documents")).content.decode()
    current, old, future = library["current"], library["old"], library["future"]
    assert reverse("library:download", args=[current.pk]) in html
    assert "Versions précédentes (1)" in html and reverse("library:download", args=[old.pk]) in html
    assert reverse("library:download", args=[future.pk]) not in html and "07-2026" not in html
    assert "Notice d&#x27;information" in html
    # On its date of effect the July version becomes the current one; 01-2026 joins the older ones.
    set_today("2026-07-01")
    html = client_for(admin_user).get(reverse("library:documents")).content.decode()
    assert reverse("library:download", args=[future.pk]) in html and "Versions précédentes (2)" in html


def test_browse_by_product(library, add_version, client_for, admin_user):
    other = Product.objects.create(code="flotte", name="Flotte automobile")
    fleet = add_version(other, version="2026", effective_from=date(2026, 1, 1))
    client = client_for(admin_user)
    everything = client.get(reverse("library:documents")).content.decode()
    assert "Flotte automobile" in everything and "Pyramide Artisan" in everything
    only = client.get(reverse("library:documents"), {"produit": other.pk}).content.decode()
    assert reverse("library:download", args=[fleet.pk]) in only
    assert reverse("library:download", args=[library["current"].pk]) not in only
    # A wrong product id shows the whole library, never an error.
    for wrong in ("abc", "99999999999999999999", "-1", "\x00"):
        response = client.get(reverse("library:documents"), {"produit": wrong})
        assert response.status_code == 200 and "Flotte automobile" in response.content.decode()


def test_the_download_is_the_file_as_uploaded(library, client_for, collaborator):
    current = library["current"]
    response = client_for(collaborator).get(reverse("library:download", args=[current.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf" and response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == document_bytes(current.document)


def test_the_page_costs_the_same_queries_for_a_small_and_a_large_library(product, add_version, client_for,
                                                                         admin_user):
    add_version(product, version="1", effective_from=date(2025, 1, 1))

    def queries() -> int:
        client = client_for(admin_user)
        client.get(reverse("library:documents"))  # session, user: warm
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("library:documents")).status_code == 200
        return len(captured)

    small = queries()
    for index in range(6):
        other = Product.objects.create(code=f"produit_{index}", name=f"Produit {index}")
        for kind in DocumentKind.values:
            for year in (2024, 2025, 2026):
                add_version(other, kind=kind, version=f"01-{year}", effective_from=date(year, 1, 1))
    assert queries() == small
