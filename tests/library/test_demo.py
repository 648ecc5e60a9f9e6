"""``library_demo`` (run by ``seed_demo``): documents for every product, a previous and an upcoming
version, idempotent; refused where demo data is not allowed."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from library.models import DocumentKind, ProductDocument
from portal import clock
from portal.models import Product

pytestmark = pytest.mark.django_db


def test_demo_documents_for_every_product_and_idempotent():
    Product.objects.create(code="pyramide_artisan", name="Pyramide Artisan")
    Product.objects.create(code="flotte_automobile", name="Flotte automobile")
    call_command("library_demo", stdout=StringIO())
    first = ProductDocument.objects.count()
    call_command("library_demo", stdout=StringIO())
    assert ProductDocument.objects.count() == first == 4 + 6
    today = clock.business_today()
    assert ProductDocument.objects.filter(effective_from__gt=today, product__code="pyramide_artisan").count() == 1
    assert ProductDocument.objects.filter(kind=DocumentKind.GENERAL_CONDITIONS, effective_from__lt=today).count() == 4


def test_refused_without_demo_data(settings):
    settings.PORTAL_DEMO_DATA = False
    with pytest.raises(CommandError, match="Données de démonstration refusées"):
        call_command("library_demo", stdout=StringIO())
