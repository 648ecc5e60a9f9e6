"""The service interface other apps rely on: quotes, debits, refunds, adjustments, prices."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum

from billing import services
from billing.models import Account, EntryKind, LedgerEntry, Price, Product
from billing.selectors import account_balance
from billing.services import LineItem, account_debit, account_refund, price_quote
from portal.errors import ApplicationError

TODAY = date(2026, 3, 2)


def ledger_sum(organisation) -> Decimal:
    total = LedgerEntry.objects.filter(account__organisation=organisation).aggregate(s=Sum("amount"))["s"]
    return (total or Decimal(0)).quantize(Decimal("0.01"))  # SQLite sums decimals as floats


# ------------------------------------------------------------------------------------ quotes

def test_quote_uses_the_seed_prices_ttc(db):
    quote = price_quote(items=[LineItem("registered_eletter_acknowledgement"), LineItem("esignature"), LineItem("registered_eletter", 2)], on=TODAY)
    assert quote.total == Decimal("3.78") + Decimal("1.50") + 2 * Decimal("2.97")
    assert {(line.product, line.quantity, line.unit_price) for line in quote.lines} == {
        ("registered_eletter_acknowledgement", 1, Decimal("3.78")), ("esignature", 1, Decimal("1.50")), ("registered_eletter", 2, Decimal("2.97")),
    }


@pytest.mark.parametrize(("product", "price"), [
    ("registered_eletter", "2.97"), ("registered_eletter_acknowledgement", "3.78"), ("esignature", "1.50"), ("platform_registered_eletter", "5.28"),
    ("identity_check", "14.40"), ("address_page", "0.16"), ("first_page_address", "-0.10"),
    ("paper_mail_lettre_verte", "1.14"),
])
def test_initial_price_list_is_the_seed(db, product, price):
    assert price_quote(items=[LineItem(product)], on=TODAY).total == Decimal(price)


def test_paper_mail_items_price_by_mode_and_sheets(db):
    items = services.paper_mail_items(mode="lettre_verte", sheets=3, first_page_address=True)
    quote = price_quote(items=items, on=TODAY)
    assert quote.total == Decimal("1.14") + 2 * Decimal("0.18") - Decimal("0.10")
    typed = price_quote(items=services.paper_mail_items(mode="recommande_ar", sheets=1, typed_address=True), on=TODAY)
    assert typed.total == Decimal("6.14") + Decimal("0.16")
    with pytest.raises(ApplicationError, match="de 1 à 95 feuilles"):
        services.paper_mail_items(mode="ecopli", sheets=96)
    with pytest.raises(ApplicationError, match="Mode d'envoi inconnu"):
        services.paper_mail_items(mode="pigeon", sheets=1)


@pytest.mark.parametrize(("items", "message"), [
    ([], "Aucune prestation"),
    ([LineItem("fax")], "Produit inconnu : fax"),
    ([LineItem("registered_eletter", 0)], "Quantité invalide"),
    ([LineItem("registered_eletter", -2)], "Quantité invalide"),
])
def test_bad_quotes_are_refused(db, items, message):
    with pytest.raises(ApplicationError, match=message):
        price_quote(items=items, on=TODAY)


def test_a_new_price_applies_from_its_date_of_effect(db):
    services.price_schedule(product=Product.REGISTERED_ELETTER, amount=Decimal("3.10"), valid_from=date(2026, 4, 1), today=TODAY)
    assert price_quote(items=[LineItem("registered_eletter")], on=date(2026, 3, 31)).total == Decimal("2.97")
    assert price_quote(items=[LineItem("registered_eletter")], on=date(2026, 4, 1)).total == Decimal("3.10")


def test_no_price_before_the_first_date_of_effect(db):
    with pytest.raises(ApplicationError, match="Aucun tarif en vigueur au 31/12/2019"):
        price_quote(items=[LineItem("registered_eletter")], on=date(2019, 12, 31))


def test_price_changes_are_checked(db):
    with pytest.raises(ApplicationError, match="ne peut pas être passée"):
        services.price_schedule(product="registered_eletter", amount=Decimal("3"), valid_from=date(2026, 3, 1), today=TODAY)
    with pytest.raises(ApplicationError, match="positif ou nul"):
        services.price_schedule(product="registered_eletter", amount=Decimal("-1"), valid_from=date(2026, 5, 1), today=TODAY)
    in_effect = Price.objects.get(product="registered_eletter", valid_from=date(2020, 1, 1))
    with pytest.raises(ApplicationError, match="déjà en vigueur ne se modifie pas"):
        services.price_schedule(product="registered_eletter", amount=Decimal("1"), valid_from=date(2026, 5, 1), today=TODAY,
                                instance=in_effect)
    services.price_schedule(product="registered_eletter", amount=Decimal("3.10"), valid_from=date(2026, 5, 1), today=TODAY)
    with pytest.raises(ApplicationError, match="déjà un tarif à cette date"):
        services.price_schedule(product="registered_eletter", amount=Decimal("3.20"), valid_from=date(2026, 5, 1), today=TODAY)
    assert Price.objects.filter(product="registered_eletter").count() == 2
    assert Price.objects.get(product="registered_eletter", valid_from=date(2020, 1, 1)).amount == Decimal("2.97")


# ------------------------------------------------------------------------------------ debits

def test_debit_takes_the_quote_from_the_credit(org, admin_user, buy):
    buy(org, "10.00")
    entry = account_debit(organisation=org, items=[LineItem("registered_eletter_acknowledgement")], idempotency_key="letter:1",
                          label="Lettre n° 1", on=TODAY, by=admin_user)
    assert entry.kind == EntryKind.DEBIT and entry.amount == Decimal("-3.78")
    assert entry.balance_after == Decimal("6.22")
    assert account_balance(organisation=org) == Decimal("6.22") == ledger_sum(org)
    assert [(line.product, line.quantity, line.unit_price) for line in entry.lines.all()] == [
        ("registered_eletter_acknowledgement", 1, Decimal("3.78"))
    ]


def test_insufficient_credit_is_refused_and_changes_nothing(org, buy):
    buy(org, "10.00")
    account_debit(organisation=org, items=[LineItem("registered_eletter_acknowledgement", 2)], idempotency_key="a", label="A", on=TODAY)
    before = LedgerEntry.objects.count()
    with pytest.raises(ApplicationError) as caught:
        account_debit(organisation=org, items=[LineItem("registered_eletter_acknowledgement")], idempotency_key="b", label="B", on=TODAY)
    assert caught.value.message.startswith("Crédit insuffisant : ")
    assert "3,78" in caught.value.message and "2,44" in caught.value.message
    assert LedgerEntry.objects.count() == before
    assert account_balance(organisation=org) == Decimal("2.44")


def test_an_organisation_without_account_has_no_credit(org):
    assert account_balance(organisation=org) == Decimal("0.00")
    with pytest.raises(ApplicationError, match="Crédit insuffisant"):
        account_debit(organisation=org, items=[LineItem("registered_eletter")], idempotency_key="x", label="X", on=TODAY)
    assert not LedgerEntry.objects.exists()


def test_overdraft_limit_set_by_staff_allows_a_negative_balance(org, accounting_user, admin_user):
    with pytest.raises(ApplicationError, match="Seule la comptabilité"):
        services.account_overdraft_set(organisation=org, limit=Decimal("10"), by=admin_user)
    services.account_overdraft_set(organisation=org, limit=Decimal("5.00"), by=accounting_user)
    account_debit(organisation=org, items=[LineItem("registered_eletter_acknowledgement")], idempotency_key="k1", label="L1", on=TODAY)
    assert account_balance(organisation=org) == Decimal("-3.78")
    with pytest.raises(ApplicationError, match="Crédit insuffisant"):
        account_debit(organisation=org, items=[LineItem("registered_eletter")], idempotency_key="k2", label="L2", on=TODAY)
    assert account_balance(organisation=org) == Decimal("-3.78")
    with pytest.raises(ApplicationError, match="positif ou nul"):
        services.account_overdraft_set(organisation=org, limit=Decimal("-1"), by=accounting_user)
    assert Account.objects.get(organisation=org).overdraft_limit == Decimal("5.00")


def test_replaying_a_key_returns_the_first_entry_and_debits_once(org, buy):
    buy(org, "20.00")
    first = account_debit(organisation=org, items=[LineItem("registered_eletter")], idempotency_key="send:7", label="L", on=TODAY)
    again = account_debit(organisation=org, items=[LineItem("registered_eletter")], idempotency_key="send:7", label="L", on=TODAY)
    assert again.pk == first.pk
    assert account_balance(organisation=org) == Decimal("17.03")
    assert LedgerEntry.objects.filter(kind=EntryKind.DEBIT).count() == 1


def test_a_key_reused_for_other_items_or_another_organisation_is_refused(org, other_org, buy):
    buy(org, "20.00")
    buy(other_org, "20.00")
    account_debit(organisation=org, items=[LineItem("registered_eletter")], idempotency_key="k", label="L", on=TODAY)
    with pytest.raises(ApplicationError, match="déjà servi"):
        account_debit(organisation=org, items=[LineItem("registered_eletter_acknowledgement")], idempotency_key="k", label="L", on=TODAY)
    with pytest.raises(ApplicationError, match="déjà servi"):
        account_debit(organisation=other_org, items=[LineItem("registered_eletter")], idempotency_key="k", label="L", on=TODAY)
    assert account_balance(organisation=other_org) == Decimal("20.00")
    assert account_balance(organisation=org) == Decimal("17.03")


@pytest.mark.parametrize(("key", "label", "message"), [("", "L", "clé d'idempotence"), ("k", " ", "libellé")])
def test_debit_needs_a_key_and_a_label(org, buy, key, label, message):
    buy(org, "20.00")
    with pytest.raises(ApplicationError, match=message):
        account_debit(organisation=org, items=[LineItem("registered_eletter")], idempotency_key=key, label=label, on=TODAY)
    assert account_balance(organisation=org) == Decimal("20.00")


# ----------------------------------------------------------------------------------- refunds

def test_refund_gives_the_debit_back_once(org, admin_user, buy):
    buy(org, "10.00")
    debit = account_debit(organisation=org, items=[LineItem("registered_eletter_acknowledgement"), LineItem("esignature")],
                          idempotency_key="l:1", label="Lettre 1", on=TODAY)
    refund = account_refund(debit_entry_id=debit.pk, reason="Signature non obtenue avant 20 h", by=admin_user)
    again = account_refund(debit_entry_id=debit.pk, reason="encore", by=admin_user)
    assert again.pk == refund.pk
    assert refund.kind == EntryKind.REFUND and refund.amount == Decimal("5.28") and refund.refund_of_id == debit.pk
    assert refund.reason == "Signature non obtenue avant 20 h"
    assert account_balance(organisation=org) == Decimal("10.00") == ledger_sum(org)
    assert sorted(line.product for line in refund.lines.all()) == ["esignature", "registered_eletter_acknowledgement"]


def test_only_a_debit_can_be_refunded_and_with_a_reason(org, buy):
    purchase = buy(org, "10.00")
    with pytest.raises(ApplicationError, match="Seul un débit"):
        account_refund(debit_entry_id=purchase.ledger_entry.pk, reason="non")
    debit = account_debit(organisation=org, items=[LineItem("registered_eletter")], idempotency_key="r", label="L", on=TODAY)
    with pytest.raises(ApplicationError, match="motif"):
        account_refund(debit_entry_id=debit.pk, reason="  ")
    assert account_balance(organisation=org) == Decimal("7.03")


# ------------------------------------------------------------------------------- adjustments

def test_staff_adjustment_needs_a_reason_and_is_in_the_ledger(org, accounting_user, admin_user):
    with pytest.raises(ApplicationError, match="Seule la comptabilité"):
        services.account_adjust(organisation=org, amount=Decimal("5"), reason="geste", by=admin_user, on=TODAY)
    with pytest.raises(ApplicationError, match="motif"):
        services.account_adjust(organisation=org, amount=Decimal("5"), reason="", by=accounting_user, on=TODAY)
    with pytest.raises(ApplicationError, match="nul"):
        services.account_adjust(organisation=org, amount=Decimal("0"), reason="x", by=accounting_user, on=TODAY)
    with pytest.raises(ApplicationError, match="Montant invalide"):
        services.account_adjust(organisation=org, amount="1.005", reason="x", by=accounting_user, on=TODAY)
    assert not LedgerEntry.objects.exists()
    entry = services.account_adjust(organisation=org, amount=Decimal("-2.50"), reason="Erreur de saisie",
                                    by=accounting_user, on=TODAY)
    assert entry.kind == EntryKind.ADJUSTMENT and entry.created_by == accounting_user
    assert account_balance(organisation=org) == Decimal("-2.50")
