"""Letters keep everything they say on their own row (the insurer, the member and its address,
the policy, the premium call, the case's dates, the broker, the recovery indemnity), written
when they are issued; their PDF is rendered from that row alone.

Letters issued before this migration get theirs here, set-based, from what their PDF was (or
will be) rendered from: the current case, member, policy, premium call, broker and settings —
the best that can be known now.
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import migrations, models

CONTENT = {
    "member_number": "mb.member_number", "member_name": "mb.company_name", "member_address": "{address_mb}",
    "policy_number": "p.number", "premium_call_reference": "pc.reference", "premium_call_due_date": "pc.due_date",
    "premium_call_amount": "pc.amount", "broker_manages": "c.broker_manages", "reminder_date": "c.reminder_date",
    "formal_notice_date": "c.formal_notice_date", "suspension_date": "c.suspension_date",
    "termination_date": "c.termination_date", "broker_orias": "COALESCE(o.orias, '')",
    "broker_name": "COALESCE(o.name, '')", "broker_signature_name": "COALESCE(NULLIF(o.trade_name, ''), o.name, '')",
    "broker_address": "COALESCE({address_o}, '')",
}


def fill(apps, schema_editor):
    connection = schema_editor.connection
    newline = "chr(10)" if connection.vendor == "postgresql" else "char(10)"

    def address(alias):
        return (f"COALESCE(NULLIF({alias}.address_line1, '') || {newline}, '') "
                f"|| COALESCE(NULLIF({alias}.address_line2, '') || {newline}, '') "
                f"|| TRIM({alias}.postal_code || ' ' || {alias}.city)")

    values = {column: sql.format(address_mb=address("mb"), address_o=address("o")) for column, sql in CONTENT.items()}
    columns = ", ".join(values)
    indemnity = (Decimal(settings.AMIABLE_RECOVERY_INDEMNITY) if settings.AMIABLE_RECOVERY_INDEMNITY_ENABLED
                 else None)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE amiable_letter SET insurer_name = %s, insurer_address = %s,
                recovery_indemnity = CASE WHEN kind = 'termination' THEN CAST(%s AS NUMERIC) END,
                ({columns}) = (
                    SELECT {", ".join(values.values())}
                    FROM amiable_case c JOIN portal_premiumcall pc ON pc.id = c.premium_call_id
                        JOIN portal_policy p ON p.id = c.policy_id JOIN portal_member mb ON mb.id = p.member_id
                        LEFT JOIN portal_organisation o ON o.id = p.broker_id
                    WHERE c.id = amiable_letter.case_id)
            WHERE insurer_name = ''
            """,
            [settings.PORTAL_INSURER_NAME, "\n".join(settings.PORTAL_INSURER_ADDRESS), indemnity],
        )


class Migration(migrations.Migration):

    dependencies = [
        ("amiable", "0003_partial_step_indexes"),
        ("portal", "0001_initial"),
    ]

    operations = [
        migrations.AddField("letter", "insurer_name", models.CharField(
            default="", editable=False, max_length=120, verbose_name="assureur"), preserve_default=False),
        migrations.AddField("letter", "insurer_address", models.TextField(
            default="", editable=False, verbose_name="adresse de l'assureur"), preserve_default=False),
        migrations.AddField("letter", "member_number", models.CharField(
            default="", editable=False, max_length=20, verbose_name="n° sociétaire"), preserve_default=False),
        migrations.AddField("letter", "member_name", models.CharField(
            default="", editable=False, max_length=120, verbose_name="raison sociale"), preserve_default=False),
        migrations.AddField("letter", "member_address", models.TextField(
            blank=True, default="", editable=False, verbose_name="adresse du sociétaire"), preserve_default=False),
        migrations.AddField("letter", "policy_number", models.CharField(
            default="", editable=False, max_length=20, verbose_name="n° police"), preserve_default=False),
        migrations.AddField("letter", "premium_call_reference", models.CharField(
            default="", editable=False, max_length=40, verbose_name="émission"), preserve_default=False),
        migrations.AddField("letter", "premium_call_due_date", models.DateField(
            default=date(2000, 1, 1), editable=False, verbose_name="échéance"), preserve_default=False),
        migrations.AddField("letter", "premium_call_amount", models.DecimalField(
            decimal_places=2, default=Decimal("0"), editable=False, max_digits=12, verbose_name="cotisation appelée"),
            preserve_default=False),
        migrations.AddField("letter", "broker_manages", models.BooleanField(
            default=False, editable=False, verbose_name="courtier gestionnaire"), preserve_default=False),
        migrations.AddField("letter", "reminder_date", models.DateField(
            default=date(2000, 1, 1), editable=False, verbose_name="date du courrier de rappel"),
            preserve_default=False),
        migrations.AddField("letter", "formal_notice_date", models.DateField(
            editable=False, null=True, verbose_name="date de la mise en demeure")),
        migrations.AddField("letter", "suspension_date", models.DateField(
            editable=False, null=True, verbose_name="date de suspension")),
        migrations.AddField("letter", "termination_date", models.DateField(
            editable=False, null=True, verbose_name="date de résiliation")),
        migrations.AddField("letter", "broker_orias", models.CharField(
            blank=True, default="", editable=False, max_length=8, verbose_name="n° ORIAS du cabinet"),
            preserve_default=False),
        migrations.AddField("letter", "broker_name", models.CharField(
            blank=True, default="", editable=False, max_length=120, verbose_name="cabinet"), preserve_default=False),
        migrations.AddField("letter", "broker_signature_name", models.CharField(
            blank=True, default="", editable=False, max_length=120, verbose_name="nom commercial du cabinet"),
            preserve_default=False),
        migrations.AddField("letter", "broker_address", models.TextField(
            blank=True, default="", editable=False, verbose_name="adresse du cabinet"), preserve_default=False),
        migrations.AddField("letter", "recovery_indemnity", models.DecimalField(
            decimal_places=2, editable=False, max_digits=12, null=True,
            verbose_name="indemnité forfaitaire de recouvrement")),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
