"""Database guards: an issued commission statement never changes.

* ``commissions_statement``: the only UPDATE accepted attaches the PDF once (``document_id``
  from NULL to a value, every other column unchanged).
* ``commissions_statementline``: the only UPDATE accepted is the insurer withdrawing a stated
  payment (``payment_id`` from a value to NULL, by ``on_delete=SET_NULL``, every other column
  unchanged): the line keeps its reference and amounts, and the next statement gives it back.
* DELETE refused on PostgreSQL. SQLite gets no DELETE trigger (Django empties test databases
  with ``DELETE FROM`` between transactional tests); ``on_delete=PROTECT`` and the read-only
  admin refuse deletes there.

Both databases report a refused change as an integrity error (``django.db.IntegrityError``).
"""

from django.db import migrations

GUARDED = {
    # table: (the column that may change once, from → to, the other columns)
    "commissions_statement": ("document_id", "attach", [
        "id", "number", "organisation_id", "period_start", "period_end", "issued_on", "line_count", "premium_total",
        "commission_total", "vat_rate", "vat_amount", "total_including_tax", "vat_mention", "snapshot",
        "created_at"]),
    "commissions_statementline": ("payment_id", "withdraw", [
        "id", "statement_id", "kind", "payment_reference", "paid_on", "policy_id", "policy_number", "member_number",
        "company_name", "product_name", "premium", "commission_rate_id", "rate", "commission", "reverses_id"]),
}


def _pg_function(table: str, column: str, how: str) -> str:
    allowed = (f"OLD.{column} IS NULL AND NEW.{column} IS NOT NULL" if how == "attach"
               else f"OLD.{column} IS NOT NULL AND NEW.{column} IS NULL")
    return f"""
CREATE OR REPLACE FUNCTION {table}_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND {allowed}
     AND (to_jsonb(NEW) - '{column}') = (to_jsonb(OLD) - '{column}') THEN
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

    for table, (column, how, others) in GUARDED.items():
        if vendor == "postgresql":
            run(_pg_function(table, column, how))
            run(f"CREATE TRIGGER {table}_issued BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_guard()")
        elif vendor == "sqlite":
            refused = (f"OLD.{column} IS NOT NULL OR NEW.{column} IS NULL" if how == "attach"
                       else f"OLD.{column} IS NULL OR NEW.{column} IS NOT NULL")
            changed = " OR ".join(f"NEW.{name} IS NOT OLD.{name}" for name in others)
            run(f"CREATE TRIGGER {table}_issued BEFORE UPDATE ON {table} WHEN {refused} OR {changed} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is issued and never changes: UPDATE refused'); END")


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in GUARDED:
        suffix = f" ON {table}" if vendor == "postgresql" else ""
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_issued{suffix}", params=None)
        if vendor == "postgresql":
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {table}_guard()", params=None)


class Migration(migrations.Migration):
    dependencies = [("commissions", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
