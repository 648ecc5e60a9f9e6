"""Letters keep a snapshot of everything they say (``Letter.snapshot``), written when they are
issued; their PDF is rendered from it alone.

Letters issued before this migration get theirs here, set-based, from what their PDF was (or
will be) rendered from: the current member, policy, premium call, broker and settings — the
best that can be known now.
"""

import json

from django.conf import settings
from django.db import migrations, models


def _object(vendor: str, pairs: dict[str, str]) -> str:
    function = "jsonb_build_object" if vendor == "postgresql" else "json_object"
    return f"{function}({', '.join(f"'{key}', {value}" for key, value in pairs.items())})"


def fill(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    postgresql = vendor == "postgresql"

    def address(alias):
        return {column: f"{alias}.{column}" for column in ("address_line1", "address_line2", "postal_code", "city")}

    broker = _object(vendor, {"name": "o.name", "trade_name": "o.trade_name", "orias": "o.orias", **address("o")})
    broker = f"CASE WHEN o.id IS NOT NULL THEN {broker} END"
    snapshot = _object(vendor, {
        "insurer": _object(vendor, {"name": "CAST(%s AS TEXT)",
                                    "address": "CAST(%s AS jsonb)" if postgresql else "json(%s)"}),
        "member": _object(vendor, {"number": "mb.member_number", "company_name": "mb.company_name",
                                   **address("mb")}),
        "policy": _object(vendor, {"number": "p.number"}),
        "premium_call": _object(vendor, {
            "reference": "pc.reference", "due_date": "pc.due_date",
            "amount": "CAST(pc.amount AS TEXT)" if postgresql else "printf('%%.2f', pc.amount)",
        }),
        "case": _object(vendor, {
            "broker_manages": "c.broker_manages" if postgresql
            else "json(CASE WHEN c.broker_manages THEN 'true' ELSE 'false' END)",
            **{column: f"c.{column}" for column in ("reminder_date", "formal_notice_date", "suspension_date",
                                                     "termination_date")},
        }),
        "broker": broker if postgresql else f"json({broker})",
        "recovery_indemnity": "CASE WHEN l.kind = 'termination' THEN CAST(%s AS TEXT) END",
    })
    empty = "'{}'::jsonb" if postgresql else "'{}'"
    indemnity = (f"{float(settings.AMIABLE_RECOVERY_INDEMNITY):.2f}"
                 if settings.AMIABLE_RECOVERY_INDEMNITY_ENABLED else None)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE amiable_letter AS l SET snapshot = (
                SELECT {snapshot}
                FROM amiable_case c JOIN portal_premiumcall pc ON pc.id = c.premium_call_id
                    JOIN portal_policy p ON p.id = c.policy_id JOIN portal_member mb ON mb.id = p.member_id
                    LEFT JOIN portal_organisation o ON o.id = p.broker_id
                WHERE c.id = l.case_id)
            WHERE l.snapshot = {empty}
            """,
            [settings.PORTAL_INSURER_NAME, json.dumps(list(settings.PORTAL_INSURER_ADDRESS)), indemnity],
        )


class Migration(migrations.Migration):

    dependencies = [
        ('amiable', '0003_partial_step_indexes'),
        ('portal', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='letter',
            name='snapshot',
            field=models.JSONField(default=dict, editable=False, verbose_name="contenu à l'émission"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
