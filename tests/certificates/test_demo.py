from django.core.management import call_command

from certificates.models import Certificate, ProductGuarantee
from portal.models import Product


def test_the_demo_fills_the_guarantees_and_issues_certificates(admin_user, insured, org, settings):
    settings.PORTAL_DEMO_DATA = True
    Product.objects.create(code="pyramide_artisan", name="Pyramide Artisan — multirisque des artisans")
    insured(policy_number="D-1", member_number="MD-1", broker=org, product_code="pyramide_artisan")
    admin_user.email = "courtier@demo.test"
    admin_user.save()
    call_command("certificates_demo")
    assert ProductGuarantee.objects.filter(product__code="pyramide_artisan").count() == 5
    assert Certificate.objects.get().policy_number == "D-1"
    call_command("certificates_demo")  # idempotent
    assert Certificate.objects.count() == 1 and ProductGuarantee.objects.count() == 7
