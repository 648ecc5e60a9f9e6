"""The seed's prices (TTC) as the initial price list, and the receipt/invoice counters."""

from datetime import date
from decimal import Decimal

from django.db import migrations

PRICES = {
    "lre": "2.97", "lre_ar": "3.78", "esignature": "1.50", "platform_lre_ar": "5.28", "identity_check": "14.40",
    "address_page": "0.16", "first_page_address": "-0.10", "paper_ecopli": "1.04", "paper_lettre_verte": "1.14",
    "paper_lettre_suivie": "1.94", "paper_recommande": "5.06", "paper_recommande_ar": "6.14",
    "paper_extra_sheet": "0.18",
}


def forwards(apps, schema_editor):
    Price = apps.get_model("billing", "Price")
    NumberSequence = apps.get_model("billing", "NumberSequence")
    for product, amount in PRICES.items():
        Price.objects.get_or_create(product=product, valid_from=date(2020, 1, 1),
                                    defaults={"amount": Decimal(amount)})
    for name in ("receipt", "invoice"):
        NumberSequence.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_database_guards")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
