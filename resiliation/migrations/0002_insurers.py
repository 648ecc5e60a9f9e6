from django.db import migrations


def load(apps, schema_editor):
    from resiliation.insurers import insurers_load

    insurers_load(apps.get_model("resiliation", "Insurer"))


class Migration(migrations.Migration):
    dependencies = [("resiliation", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
