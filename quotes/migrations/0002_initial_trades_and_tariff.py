"""The trades of Pyramide Artisan and the grid in effect from 1 January 2026: production needs
them before the first quote (staff change them in the admin afterwards)."""

from django.db import migrations

from quotes.defaults import defaults_install


def install(apps, schema_editor):
    defaults_install(Trade=apps.get_model("quotes", "Trade"), Tariff=apps.get_model("quotes", "Tariff"),
                     TariffRate=apps.get_model("quotes", "TariffRate"))


class Migration(migrations.Migration):
    dependencies = [("quotes", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
