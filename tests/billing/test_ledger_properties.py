"""Ledger invariants as properties: for any sequence of purchases, debits (some replayed),
refunds (some repeated) and staff adjustments,

* the balance equals the sum of the entries (cached column, last ``balance_after`` and a model
  kept beside the test all agree);
* the balance never goes below minus the overdraft limit through a debit;
* no entry is ever changed or deleted: each step only appends, earlier rows stay identical.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from billing import services
from billing.models import Account, LedgerEntry, LedgerLine
from billing.services import LineItem
from portal import services as portal_services
from portal.errors import ApplicationError
from portal.models import Role
from tests.profiles import examples

TODAY = date(2026, 3, 2)
CENT = Decimal("0.01")
PRICES = {"registered_eletter": Decimal("2.97"), "registered_eletter_acknowledgement": Decimal("3.78"), "esignature": Decimal("1.50"),
          "address_page": Decimal("0.16"), "identity_check": Decimal("14.40")}

amounts = st.decimals(min_value=Decimal("-50"), max_value=Decimal("50"), places=2).filter(lambda d: d != 0)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("purchase"), st.decimals(min_value=Decimal("0.01"), max_value=Decimal("60"), places=2)),
        st.tuples(st.just("debit"), st.lists(st.tuples(st.sampled_from(sorted(PRICES)), st.integers(1, 3)),
                                             min_size=1, max_size=3), st.integers(0, 6)),
        st.tuples(st.just("refund"), st.integers(0, 20)),
        st.tuples(st.just("adjust"), amounts),
        st.tuples(st.just("overdraft"), st.decimals(min_value=Decimal("0"), max_value=Decimal("20"), places=2)),
    ),
    max_size=25,
)


def dict_sum(pairs) -> dict[str, int]:
    total: dict[str, int] = {}
    for product, quantity in pairs:
        total[product] = total.get(product, 0) + quantity
    return total


def snapshot() -> dict[int, tuple]:
    rows = LedgerEntry.objects.values_list("id", "kind", "amount", "balance_after", "label", "reason",
                                           "idempotency_key", "refund_of_id", "booked_on")
    return {row[0]: row for row in rows}


def lines_snapshot() -> dict[int, tuple]:
    return {row[0]: row for row in LedgerLine.objects.values_list("id", "entry_id", "product", "quantity",
                                                                  "unit_price", "amount")}


class LedgerPropertyTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        services.price_list_install_defaults()
        cls.org = portal_services.organisation_create(orias="07000099", name="Cabinet Propriétés")
        cls.staff = portal_services.user_create(email="compta@prop.test", password=None, role=Role.ACCOUNTING)

    @settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(operations)
    def test_balance_is_the_sum_of_entries_and_entries_never_change(self, ops):
        org, staff = self.org, self.staff
        expected, overdraft = Decimal("0.00"), Decimal("0.00")
        debits: list[LedgerEntry] = []
        refunded: set[int] = set()
        keys: dict[str, tuple] = {}
        before, before_lines = snapshot(), lines_snapshot()
        for op in ops:
            kind = op[0]
            if kind == "purchase":
                account = services.account_for(organisation=org)
                with transaction.atomic():
                    locked = services.account_lock(account=account)
                    services.credit_entry_append(account=locked, amount=op[1], label="Achat de crédits",
                                                 booked_on=TODAY, by=None, idempotency_key="")
                expected += op[1]
            elif kind == "debit":
                items = [LineItem(product, quantity) for product, quantity in op[1]]
                key = f"k{op[2]}"
                total = sum((PRICES[p] * q for p, q in op[1]), Decimal("0"))
                shape = tuple(sorted(Counter(dict_sum(op[1])).items()))
                try:
                    entry = services.account_debit(organisation=org, items=items, idempotency_key=key,
                                                   label="Envoi", on=TODAY)
                except ApplicationError as error:
                    if key in keys:
                        assert keys[key][0] != shape and "déjà servi" in error.message
                    else:
                        assert error.message.startswith("Crédit insuffisant")
                        assert expected - total < -overdraft
                else:
                    if key in keys:
                        assert keys[key] == (shape, entry.pk)
                    else:
                        assert expected - total >= -overdraft
                        expected -= total
                        debits.append(entry)
                        keys[key] = (shape, entry.pk)
            elif kind == "refund":
                if not debits:
                    continue
                debit = debits[op[1] % len(debits)]
                refund = services.account_refund(debit_entry_id=debit.pk, reason="Annulé", on=TODAY)
                assert refund.amount == -debit.amount
                if debit.pk not in refunded:
                    refunded.add(debit.pk)
                    expected += -debit.amount
            elif kind == "adjust":
                services.account_adjust(organisation=org, amount=op[1], reason="Régularisation", by=staff, on=TODAY)
                expected += op[1]
            else:
                services.account_overdraft_set(organisation=org, limit=op[1], by=staff)
                overdraft = op[1]

            after, after_lines = snapshot(), lines_snapshot()
            # append-only: every earlier row is still there, identical
            assert all(after.get(pk) == row for pk, row in before.items())
            assert all(after_lines.get(pk) == row for pk, row in before_lines.items())
            before, before_lines = after, after_lines

            entries = LedgerEntry.objects.filter(account__organisation=org)
            # quantized: SQLite sums decimals as floats (PostgreSQL is exact)
            total_entries = (entries.aggregate(s=Sum("amount"))["s"] or Decimal("0.00")).quantize(CENT)
            balance = Account.objects.filter(organisation=org).values_list("balance", flat=True).first()
            if balance is not None:
                assert balance == total_entries == expected
                last = LedgerEntry.objects.filter(account__organisation=org).order_by("-id").first()
                assert last is None or last.balance_after == balance
