"""The payment reference becomes required and unique (SPEC §8): a batch sent again records
nothing twice. Payments recorded without a reference get ``SANS-REF-<id>`` — unique (the id
is), recognisable and the same on every database migrated."""

from django.db import migrations, models
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat

PREFIX = "SANS-REF-"


def name_payments_without_reference(apps, schema_editor):
    Payment = apps.get_model("portal", "Payment")
    empty = Payment.objects.filter(reference="")
    taken = set(Payment.objects.filter(reference__startswith=PREFIX).values_list("reference", flat=True))
    if not taken:  # the usual case: one statement
        empty.update(reference=Concat(Value(PREFIX), Cast("id", CharField())))
        return
    # A real reference already looks like a generated one: number around it, still deterministic.
    for payment_id in empty.order_by("id").values_list("id", flat=True):
        reference, suffix = f"{PREFIX}{payment_id}", 1
        while reference in taken:
            suffix += 1
            reference = f"{PREFIX}{payment_id}-{suffix}"
        taken.add(reference)
        Payment.objects.filter(id=payment_id).update(reference=reference)


class Migration(migrations.Migration):

    dependencies = [
        ("portal", "0003_digest_item_fan_out"),
    ]

    operations = [
        migrations.RunPython(name_payments_without_reference, migrations.RunPython.noop, elidable=True),
        migrations.RemoveConstraint(
            model_name="payment",
            name="payment_reference_unique",
        ),
        migrations.AlterField(
            model_name="payment",
            name="reference",
            field=models.CharField(
                help_text="Identifiant du paiement chez L'Auxiliaire, obligatoire et unique : un même paiement "
                "envoyé deux fois n'est compté qu'une fois. Les paiements enregistrés sans référence avant "
                "qu'elle ne devienne obligatoire portent « SANS-REF-<n° d'enregistrement> ».",
                max_length=40,
                verbose_name="référence du paiement",
            ),
        ),
        migrations.AddConstraint(
            model_name="payment",
            constraint=models.CheckConstraint(
                condition=models.Q(("reference", ""), _negated=True), name="payment_reference_not_empty"
            ),
        ),
        migrations.AddConstraint(
            model_name="payment",
            constraint=models.UniqueConstraint(fields=("reference",), name="payment_reference_unique"),
        ),
    ]
