"""Product codes named as SPEC §10's glossary: ``lre`` → ``registered_eletter``, ``lre_ar`` →
``registered_eletter_acknowledgement``, ``platform_lre_ar`` → ``platform_registered_eletter``
(always with AR), ``paper_<mode>`` → ``paper_mail_<mode>``, ``paper_extra_sheet`` →
``paper_mail_extra_sheet``. The price list, the ledger lines and the invoice lines are renamed
in place. Ledger and invoice lines are append-only (migration 0002): the guard is lifted for
this one statement per table and put back, identical, in the same transaction.
"""

from django.db import migrations, models

RENAMED = {
    "lre": "registered_eletter",
    "lre_ar": "registered_eletter_acknowledgement",
    "platform_lre_ar": "platform_registered_eletter",
    "paper_ecopli": "paper_mail_ecopli",
    "paper_lettre_verte": "paper_mail_lettre_verte",
    "paper_lettre_suivie": "paper_mail_lettre_suivie",
    "paper_recommande": "paper_mail_recommande",
    "paper_recommande_ar": "paper_mail_recommande_ar",
    "paper_extra_sheet": "paper_mail_extra_sheet",
}
GUARDED = ("billing_ledgerline", "billing_invoiceline")  # append-only (0002)
TABLES = ("billing_price", *GUARDED)


def _sqlite_guard(table: str) -> str:
    return (f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END")


def products_rename(connection, renamed: dict[str, str]) -> int:
    """Rename the product codes of ``renamed`` (old → new) everywhere billing stores one."""
    postgresql = connection.vendor == "postgresql"
    count = 0
    with connection.cursor() as cursor:
        if postgresql:  # deferred foreign-key checks pending in this transaction would block ALTER TABLE
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in TABLES:
            guarded = table in GUARDED
            if guarded and postgresql:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
            elif guarded:
                cursor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only")
            for old, new in renamed.items():
                cursor.execute(f"UPDATE {table} SET product = %s WHERE product = %s", [new, old])  # noqa: S608
                count += max(cursor.rowcount, 0)
            if guarded and postgresql:
                cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")
            elif guarded:
                cursor.execute(_sqlite_guard(table))
    return count


def forwards(apps, schema_editor):
    products_rename(schema_editor.connection, RENAMED)


def backwards(apps, schema_editor):
    products_rename(schema_editor.connection, {new: old for old, new in RENAMED.items()})


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0004_documents_snapshot_credit_notes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='invoiceline',
            name='product',
            field=models.CharField(choices=[('registered_eletter', 'Lettre recommandée électronique sans accusé de réception'), ('registered_eletter_acknowledgement', 'Lettre recommandée électronique avec accusé de réception'), ('esignature', 'Signature électronique du mandat'), ('platform_registered_eletter', 'Lettre recommandée électronique avec AR au nom de la plateforme'), ('identity_check', "Vérification d'identité (eIDAS)"), ('address_page', 'Page porte-adresse saisie'), ('first_page_address', "Utilisation de l'adresse du premier document"), ('paper_mail_ecopli', 'Courrier papier Écopli (1 feuille)'), ('paper_mail_lettre_verte', 'Courrier papier Lettre verte (1 feuille)'), ('paper_mail_lettre_suivie', 'Courrier papier Lettre suivie (1 feuille)'), ('paper_mail_recommande', 'Courrier papier Recommandé (1 feuille)'), ('paper_mail_recommande_ar', 'Courrier papier Recommandé avec AR (1 feuille)'), ('paper_mail_extra_sheet', 'Courrier papier : feuille supplémentaire')], max_length=40, verbose_name='produit'),
        ),
        migrations.AlterField(
            model_name='ledgerline',
            name='product',
            field=models.CharField(choices=[('registered_eletter', 'Lettre recommandée électronique sans accusé de réception'), ('registered_eletter_acknowledgement', 'Lettre recommandée électronique avec accusé de réception'), ('esignature', 'Signature électronique du mandat'), ('platform_registered_eletter', 'Lettre recommandée électronique avec AR au nom de la plateforme'), ('identity_check', "Vérification d'identité (eIDAS)"), ('address_page', 'Page porte-adresse saisie'), ('first_page_address', "Utilisation de l'adresse du premier document"), ('paper_mail_ecopli', 'Courrier papier Écopli (1 feuille)'), ('paper_mail_lettre_verte', 'Courrier papier Lettre verte (1 feuille)'), ('paper_mail_lettre_suivie', 'Courrier papier Lettre suivie (1 feuille)'), ('paper_mail_recommande', 'Courrier papier Recommandé (1 feuille)'), ('paper_mail_recommande_ar', 'Courrier papier Recommandé avec AR (1 feuille)'), ('paper_mail_extra_sheet', 'Courrier papier : feuille supplémentaire')], max_length=40, verbose_name='produit'),
        ),
        migrations.AlterField(
            model_name='price',
            name='product',
            field=models.CharField(choices=[('registered_eletter', 'Lettre recommandée électronique sans accusé de réception'), ('registered_eletter_acknowledgement', 'Lettre recommandée électronique avec accusé de réception'), ('esignature', 'Signature électronique du mandat'), ('platform_registered_eletter', 'Lettre recommandée électronique avec AR au nom de la plateforme'), ('identity_check', "Vérification d'identité (eIDAS)"), ('address_page', 'Page porte-adresse saisie'), ('first_page_address', "Utilisation de l'adresse du premier document"), ('paper_mail_ecopli', 'Courrier papier Écopli (1 feuille)'), ('paper_mail_lettre_verte', 'Courrier papier Lettre verte (1 feuille)'), ('paper_mail_lettre_suivie', 'Courrier papier Lettre suivie (1 feuille)'), ('paper_mail_recommande', 'Courrier papier Recommandé (1 feuille)'), ('paper_mail_recommande_ar', 'Courrier papier Recommandé avec AR (1 feuille)'), ('paper_mail_extra_sheet', 'Courrier papier : feuille supplémentaire')], max_length=40, verbose_name='produit'),
        ),
        migrations.RunPython(forwards, backwards),
    ]
