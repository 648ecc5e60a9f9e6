"""Database guards: the ledger is append-only, issued receipts and invoices never change.

* ``billing_ledgerentry``, ``billing_ledgerline``, ``billing_invoiceline``: UPDATE refused
  (both databases) and DELETE refused (PostgreSQL).
* ``billing_receipt``, ``billing_invoice``: the only UPDATE accepted attaches the PDF once
  (``document_id`` from NULL to a value, every other column unchanged); DELETE refused on
  PostgreSQL.

SQLite gets no DELETE trigger: Django empties test databases with ``DELETE FROM`` between
transactional tests (PostgreSQL uses TRUNCATE, which row triggers do not see); deletes are
refused there by the admin, the services (no delete anywhere) and ``on_delete=PROTECT``.
Both databases report a refused change as an integrity error (``django.db.IntegrityError``).
"""

from django.db import migrations

APPEND_ONLY = ["billing_ledgerentry", "billing_ledgerline", "billing_invoiceline"]
ISSUED = {
    "billing_receipt": ["id", "number", "sequence", "account_id", "purchase_id", "issued_on", "amount",
                        "created_at"],
    "billing_invoice": ["id", "number", "sequence", "account_id", "period_start", "period_end", "issued_on",
                        "vat_rate", "total_excluding_tax", "total_tax", "total_including_tax", "created_at"],
}

PG_FUNCTIONS = """
CREATE OR REPLACE FUNCTION billing_append_only_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE OR REPLACE FUNCTION billing_issued_document_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.document_id IS NULL AND NEW.document_id IS NOT NULL
     AND (to_jsonb(NEW) - 'document_id') = (to_jsonb(OLD) - 'document_id') THEN
    RETURN NEW;
  END IF;
  RAISE EXCEPTION '% is issued and never changes: % refused', TG_TABLE_NAME, TG_OP
    USING ERRCODE = 'integrity_constraint_violation';
END $$;
"""


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    def run(sql):
        schema_editor.execute(sql, params=None)

    if vendor == "postgresql":
        run(PG_FUNCTIONS)
        for table in APPEND_ONLY:
            run(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION billing_append_only_guard()")
        for table in ISSUED:
            run(f"CREATE TRIGGER {table}_issued BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION billing_issued_document_guard()")
    elif vendor == "sqlite":
        for table in APPEND_ONLY:
            run(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END")
        for table, columns in ISSUED.items():
            changed = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in columns)
            run(f"CREATE TRIGGER {table}_issued BEFORE UPDATE ON {table} "
                f"WHEN OLD.document_id IS NOT NULL OR NEW.document_id IS NULL OR {changed} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is issued and never changes: UPDATE refused'); END")


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    def run(sql):
        schema_editor.execute(sql, params=None)

    for table in APPEND_ONLY:
        suffix = f" ON {table}" if vendor == "postgresql" else ""
        run(f"DROP TRIGGER IF EXISTS {table}_append_only{suffix}")
    for table in ISSUED:
        suffix = f" ON {table}" if vendor == "postgresql" else ""
        run(f"DROP TRIGGER IF EXISTS {table}_issued{suffix}")
    if vendor == "postgresql":
        run("DROP FUNCTION IF EXISTS billing_append_only_guard(); DROP FUNCTION IF EXISTS billing_issued_document_guard();")


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
