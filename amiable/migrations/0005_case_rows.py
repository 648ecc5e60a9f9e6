"""What "Gérer le cycle amiable" scopes, filters and sorts by, on the case (issue 12 §1).

* New columns: the policy's broker, member and number, the member's number and name (copies),
  the date of the latest letter and whether a letter waits to be read; filled for the
  existing cases from their policies and letters, set-based.
* Triggers keep the copies equal to the policy's and the member's, in the statement that
  changes them (an import, the admin, anything): who may see a case is decided on them.
  Row triggers limited to those columns (``UPDATE OF … WHEN``): the daily run's updates of the
  policies' status, or an import that changes nothing of them, do not run them.
* One index per sort of the page, each led by the broker.
"""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from portal.sorting import SortKey

POLICY_COPIES = {"broker_id": "broker_id", "member_id": "member_id", "policy_number": "number"}
MEMBER_COPIES = {"member_number": "member_number", "company_name": "company_name"}


def fill(apps, schema_editor):
    Case = apps.get_model("amiable", "Case")
    Policy = apps.get_model("portal", "Policy")
    Letter = apps.get_model("amiable", "Letter")
    policy = Policy.objects.filter(id=OuterRef("policy_id"))
    letters = Letter.objects.filter(case_id=OuterRef("pk"))
    Case.objects.using(schema_editor.connection.alias).update(
        **{case: Subquery(policy.values(column)[:1]) for case, column in POLICY_COPIES.items()},
        **{case: Subquery(policy.values(f"member__{column}")[:1]) for case, column in MEMBER_COPIES.items()},
        letter_date=Coalesce(Subquery(letters.order_by("-letter_date").values("letter_date")[:1]),
                             F("reminder_date")),
        letter_unread=Exists(letters.filter(kind__in=["reminder", "reinstatement"], acknowledged_at__isnull=True)),
    )


PG_TRIGGERS = """
CREATE OR REPLACE FUNCTION amiable_case_follows_policy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE amiable_case AS c
  SET broker_id = NEW.broker_id, member_id = NEW.member_id, policy_number = NEW.number,
      member_number = m.member_number, company_name = m.company_name
  FROM portal_member AS m WHERE m.id = NEW.member_id AND c.policy_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER amiable_case_follows_policy AFTER UPDATE OF broker_id, member_id, number ON portal_policy
FOR EACH ROW WHEN (OLD.broker_id IS DISTINCT FROM NEW.broker_id OR OLD.member_id IS DISTINCT FROM NEW.member_id
                   OR OLD.number IS DISTINCT FROM NEW.number)
EXECUTE FUNCTION amiable_case_follows_policy();
CREATE OR REPLACE FUNCTION amiable_case_follows_member() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE amiable_case SET member_number = NEW.member_number, company_name = NEW.company_name
  WHERE member_id = NEW.id;
  RETURN NULL;
END $$;
CREATE TRIGGER amiable_case_follows_member AFTER UPDATE OF member_number, company_name ON portal_member
FOR EACH ROW WHEN (OLD.member_number IS DISTINCT FROM NEW.member_number
                   OR OLD.company_name IS DISTINCT FROM NEW.company_name)
EXECUTE FUNCTION amiable_case_follows_member();
"""

SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER amiable_case_follows_policy AFTER UPDATE OF broker_id, member_id, number ON portal_policy
    FOR EACH ROW WHEN OLD.broker_id IS NOT NEW.broker_id OR OLD.member_id IS NOT NEW.member_id
                      OR OLD.number IS NOT NEW.number
    BEGIN
      UPDATE amiable_case
      SET broker_id = NEW.broker_id, member_id = NEW.member_id, policy_number = NEW.number,
          member_number = (SELECT member_number FROM portal_member WHERE id = NEW.member_id),
          company_name = (SELECT company_name FROM portal_member WHERE id = NEW.member_id)
      WHERE policy_id = NEW.id;
    END
    """,
    """
    CREATE TRIGGER amiable_case_follows_member AFTER UPDATE OF member_number, company_name ON portal_member
    FOR EACH ROW WHEN OLD.member_number IS NOT NEW.member_number OR OLD.company_name IS NOT NEW.company_name
    BEGIN
      UPDATE amiable_case SET member_number = NEW.member_number, company_name = NEW.company_name
      WHERE member_id = NEW.id;
    END
    """,
]


def triggers_create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_TRIGGERS, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_TRIGGERS:
            schema_editor.execute(statement, params=None)


def triggers_drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for trigger, table in (("amiable_case_follows_policy", "portal_policy"),
                           ("amiable_case_follows_member", "portal_member")):
        suffix = f" ON {table}" if vendor == "postgresql" else ""
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger}{suffix}", params=None)
        if vendor == "postgresql":
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {trigger}()", params=None)


class Migration(migrations.Migration):

    dependencies = [
        ("amiable", "0004_letter_content"),
        # After the platform's table rebuilds (SQLite remakes a table to add some columns, and its
        # triggers on portal_policy/portal_member would name a table that is gone for a moment).
        ("portal", "0009_products_and_tile_areas"),
    ]

    operations = [
        migrations.AddField(
            model_name="case",
            name="broker",
            field=models.ForeignKey(blank=True, db_index=False, editable=False, null=True,
                                    on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="portal.organisation", verbose_name="cabinet"),
        ),
        migrations.AddField(
            model_name="case",
            name="member",
            field=models.ForeignKey(editable=False, null=True, on_delete=django.db.models.deletion.PROTECT,
                                    related_name="+", to="portal.member", verbose_name="sociétaire"),
        ),
        migrations.AddField(
            model_name="case",
            name="policy_number",
            field=models.CharField(default="", editable=False, max_length=20, verbose_name="n° police"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="case",
            name="member_number",
            field=models.CharField(default="", editable=False, max_length=20, verbose_name="n° sociétaire"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="case",
            name="company_name",
            field=models.CharField(default="", editable=False, max_length=120, verbose_name="raison sociale"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="case",
            name="letter_date",
            field=models.DateField(editable=False, null=True, verbose_name="date du dernier courrier"),
        ),
        migrations.AddField(
            model_name="case",
            name="letter_unread",
            field=models.BooleanField(default=False, editable=False,
                                      help_text="Un rappel ou une remise en vigueur attend sa prise de connaissance.",
                                      verbose_name="courrier à lire"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="case",
            name="member",
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name="+",
                                    to="portal.member", verbose_name="sociétaire"),
        ),
        migrations.AlterField(
            model_name="case",
            name="letter_date",
            field=models.DateField(editable=False, verbose_name="date du dernier courrier"),
        ),
        migrations.RunPython(triggers_create, triggers_drop),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                F("broker"),
                models.Case(When(letter_unread=True, then=Value(1)), When(stage="open", then=Value(2)),
                            When(stage__in=["formal_notice", "suspended"], then=Value(3)),
                            When(stage="terminated", then=Value(4)), default=Value(5),
                            output_field=models.IntegerField()),
                F("response_deadline"), F("letter_date").desc(), F("id"), name="case_rows_rank",
            ),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(condition=Q(stage="open", broker_manages=True, answer=""),
                               fields=["broker", "response_deadline", "-letter_date", "id"], include=("reminder_date",),
                               name="case_rows_answer"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(condition=Q(letter_unread=True), fields=["broker", "response_deadline", "-letter_date", "id"],
                               include=("reminder_date", "stage", "broker_manages", "answer"), name="case_rows_unread"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["broker", "policy_number", "id"], name="case_rows_policy"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["broker", "member_number", "id"], name="case_rows_member"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index("broker", SortKey("company_name"), "company_name", "member_number", "member", "id",
                               name="case_rows_company"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["broker", "stage", "id"], name="case_rows_stage"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["broker", "letter_date", "id"], name="case_rows_letter"),
        ),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(F("broker"), Coalesce(F("formal_notice_date"), F("formal_notice_planned"),
                                                     output_field=models.DateField()),
                               F("id"), name="case_rows_notice"),
        ),
    ]
