"""Issued documents say only what was frozen when they were issued; credit notes; the legal
mentions of a French invoice.

* ``Receipt.snapshot`` and ``Invoice.snapshot``: the seller's and the buyer's identities (and
  the payment of a receipt) as issued. Documents issued before this migration get theirs from
  the current organisation and settings, which their PDF was (or will be) rendered from.
* ``Invoice.kind``: invoice (M…) or credit note (avoir, A…, its own gap-free series);
  ``sequence`` is unique per series, one document of each kind per account and month.
* ``InvoiceLine``: unit price excluding VAT, VAT rate, VAT amount and total excluding VAT of
  each line (computed for existing lines from their TTC amount and their invoice's rate).

The database guards of migration 0002 are dropped while the tables change and the existing
rows are filled, then created again — on SQLite with the new columns in the list of those an
issued document never changes (a table rebuilt by SQLite loses its triggers).
"""

import importlib
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import migrations, models

ISSUED = {
    "billing_receipt": ["id", "number", "sequence", "account_id", "purchase_id", "issued_on", "amount",
                        "snapshot", "created_at"],
    "billing_invoice": ["id", "kind", "number", "sequence", "account_id", "period_start", "period_end",
                        "issued_on", "vat_rate", "total_excluding_tax", "total_tax", "total_including_tax",
                        "snapshot", "created_at"],
}
APPEND_ONLY = ["billing_invoiceline"]


def _run(schema_editor, sql):
    schema_editor.execute(sql, params=None)


def guards_drop(apps, schema_editor):
    postgresql = schema_editor.connection.vendor == "postgresql"
    for table in APPEND_ONLY:
        _run(schema_editor, f"DROP TRIGGER IF EXISTS {table}_append_only{f' ON {table}' if postgresql else ''}")
    for table in ISSUED:
        _run(schema_editor, f"DROP TRIGGER IF EXISTS {table}_issued{f' ON {table}' if postgresql else ''}")


def guards_create(apps, schema_editor):
    """As migration 0002 (its PostgreSQL functions are kept), with today's columns."""
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in APPEND_ONLY:
            _run(schema_editor, f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                                "FOR EACH ROW EXECUTE FUNCTION billing_append_only_guard()")
        for table in ISSUED:
            _run(schema_editor, f"CREATE TRIGGER {table}_issued BEFORE UPDATE OR DELETE ON {table} "
                                "FOR EACH ROW EXECUTE FUNCTION billing_issued_document_guard()")
    elif vendor == "sqlite":
        for table in APPEND_ONLY:
            _run(schema_editor, f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
                                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END")
        for table, columns in ISSUED.items():
            changed = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in columns)
            _run(schema_editor, f"CREATE TRIGGER {table}_issued BEFORE UPDATE ON {table} "
                                f"WHEN OLD.document_id IS NOT NULL OR NEW.document_id IS NULL OR {changed} "
                                f"BEGIN SELECT RAISE(ABORT, '{table} is issued and never changes: UPDATE refused'); END")


def guards_create_as_in_0002(apps, schema_editor):
    """Back to migration 0002's guards (when this migration is reversed)."""
    guards = importlib.import_module("billing.migrations.0002_database_guards")
    guards.backwards(apps, schema_editor)
    guards.forwards(apps, schema_editor)


def fill(apps, schema_editor):
    """Snapshots and line figures of the documents already issued (best effort: current values)."""
    Receipt = apps.get_model("billing", "Receipt")
    Invoice = apps.get_model("billing", "Invoice")
    InvoiceLine = apps.get_model("billing", "InvoiceLine")
    seller = {
        "name": settings.PORTAL_INSURER_NAME, "legal_form": settings.PORTAL_INSURER_LEGAL_FORM,
        "address": list(settings.PORTAL_INSURER_ADDRESS), "siren": settings.PORTAL_INSURER_SIREN,
        "rcs": settings.PORTAL_INSURER_RCS, "vat_number": settings.PORTAL_INSURER_VAT_NUMBER,
    }

    def buyer(organisation):
        lines = [organisation.address_line1, organisation.address_line2,
                 f"{organisation.postal_code} {organisation.city}".strip()]
        return {"name": organisation.name, "address": [line for line in lines if line],
                "siren": organisation.siren, "orias": organisation.orias}

    receipts = list(Receipt.objects.select_related("account__organisation", "purchase"))
    for receipt in receipts:
        receipt.snapshot = {
            "seller": seller, "buyer": buyer(receipt.account.organisation),
            "payment": {"means": "Carte bancaire", "provider_reference": receipt.purchase.provider_reference},
        }
    Receipt.objects.bulk_update(receipts, ["snapshot"], batch_size=500)

    invoices = list(Invoice.objects.select_related("account__organisation"))
    for invoice in invoices:
        invoice.snapshot = {"seller": seller, "buyer": buyer(invoice.account.organisation)}
    Invoice.objects.bulk_update(invoices, ["snapshot"], batch_size=500)

    lines = list(InvoiceLine.objects.select_related("invoice"))
    for line in lines:
        rate = line.invoice.vat_rate
        line.vat_rate = rate
        line.amount_excluding_tax = (line.amount * 100 / (100 + rate)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        line.tax_amount = line.amount - line.amount_excluding_tax
        line.unit_price_excluding_tax = (line.unit_price * 100 / (100 + rate)).quantize(Decimal("0.0001"),
                                                                                         ROUND_HALF_UP)
    InvoiceLine.objects.bulk_update(
        lines, ["vat_rate", "amount_excluding_tax", "tax_amount", "unit_price_excluding_tax"], batch_size=500
    )


class Migration(migrations.Migration):

    dependencies = [
        ("billing", "0003_initial_price_list"),
        ("portal", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(guards_drop, guards_create_as_in_0002),
        migrations.AddField(
            model_name="receipt",
            name="snapshot",
            field=models.JSONField(default=dict, editable=False, verbose_name="contenu à l'émission"),
        ),
        migrations.AddField(
            model_name="invoice",
            name="kind",
            field=models.CharField(choices=[("invoice", "Mensuelle"), ("credit_note", "Avoir")], default="invoice",
                                   max_length=20, verbose_name="type"),
        ),
        migrations.AddField(
            model_name="invoice",
            name="snapshot",
            field=models.JSONField(default=dict, editable=False, verbose_name="contenu à l'émission"),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="number",
            field=models.CharField(max_length=20, unique=True, verbose_name="numéro"),
        ),
        migrations.AlterField(
            model_name="invoice",
            name="sequence",
            field=models.PositiveBigIntegerField(verbose_name="rang"),
        ),
        migrations.AddField(
            model_name="invoiceline",
            name="unit_price_excluding_tax",
            field=models.DecimalField(decimal_places=4, default=0, max_digits=12, verbose_name="prix unitaire HT"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="invoiceline",
            name="vat_rate",
            field=models.DecimalField(decimal_places=2, default=0, max_digits=5, verbose_name="taux de TVA"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="invoiceline",
            name="amount_excluding_tax",
            field=models.DecimalField(decimal_places=2, default=0, max_digits=12, verbose_name="montant HT"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="invoiceline",
            name="tax_amount",
            field=models.DecimalField(decimal_places=2, default=0, max_digits=12, verbose_name="montant de TVA"),
            preserve_default=False,
        ),
        migrations.RemoveConstraint(model_name="invoice", name="billing_invoice_one_per_month"),
        migrations.AddConstraint(
            model_name="invoice",
            constraint=models.UniqueConstraint(fields=("kind", "sequence"), name="billing_invoice_sequence_unique"),
        ),
        migrations.AddConstraint(
            model_name="invoice",
            constraint=models.UniqueConstraint(fields=("account", "period_start", "kind"),
                                               name="billing_invoice_one_per_month"),
        ),
        migrations.AlterModelOptions(
            name="invoice",
            options={"ordering": ["-issued_on", "-id"], "verbose_name": "facture mensuelle ou avoir",
                     "verbose_name_plural": "factures mensuelles et avoirs"},
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.RunPython(guards_create, guards_drop),
    ]
