"""Migration 0005 names the product codes as SPEC §10's glossary, in the price list, the ledger
and the invoices, and leaves the ledger append-only."""

import importlib
from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from billing.models import InvoiceLine, LedgerLine, Price, Product
from billing.services import LineItem, account_debit
from billing.services import account_refund as refund

migration = importlib.import_module("billing.migrations.0005_product_codes_from_the_glossary")
OLD = {new: old for old, new in migration.RENAMED.items()}


def test_every_product_is_named_from_the_glossary():
    assert set(migration.RENAMED.values()) <= set(Product.values)
    assert not set(migration.RENAMED) & set(Product.values)
    assert {"registered_eletter", "registered_eletter_acknowledgement", "paper_mail_lettre_verte"} <= set(Product.values)


@pytest.mark.django_db
def test_the_migration_renames_prices_ledger_and_invoice_lines_in_place(org, admin_user, buy):
    buy(org, "30.00")
    entry = account_debit(organisation=org, items=[LineItem("registered_eletter_acknowledgement"),
                                                   LineItem("esignature")],
                          idempotency_key="k", label="Lettre", on=date(2026, 3, 2), by=admin_user)
    refund(debit_entry_id=entry.pk, reason="Annulé", by=admin_user, on=date(2026, 3, 2))
    # The database as the previous version left it (the migration's way back).
    migration.products_rename(connection, OLD)
    assert set(LedgerLine.objects.values_list("product", flat=True)) == {"lre_ar", "esignature"}
    assert Price.objects.filter(product="paper_lettre_verte", amount=Decimal("1.14")).exists()
    assert not Price.objects.filter(product="paper_mail_lettre_verte").exists()

    renamed = migration.products_rename(connection, migration.RENAMED)

    assert renamed == Price.objects.filter(product__in=migration.RENAMED.values()).count() + 2  # two ledger lines
    assert set(LedgerLine.objects.values_list("product", flat=True)) == {"registered_eletter_acknowledgement",
                                                                         "esignature"}
    assert set(Price.objects.values_list("product", flat=True)) == set(Product.values)
    assert not InvoiceLine.objects.exclude(product__in=Product.values).exists()
    # The guard is back: a ledger line never changes.
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerLine.objects.filter(entry=entry).update(quantity=2)
