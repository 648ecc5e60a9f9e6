"""Migration 0004: payments recorded without a reference get a unique, recognisable and
deterministic one, then the reference is required and unique in the database."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]
BEFORE = [("portal", "0003_digest_item_fan_out")]
AFTER = [("portal", "0004_payment_reference_required")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_apps():
    apps = migrate(BEFORE)
    yield apps
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())  # back to the latest schema


def premium_call(apps, reference):
    member = apps.get_model("portal", "Member").objects.create(member_number=f"M-{reference}", company_name="SARL")
    policy = apps.get_model("portal", "Policy").objects.create(number=f"P-{reference}", member=member)
    return apps.get_model("portal", "PremiumCall").objects.create(
        reference=reference, policy=policy, due_date=date(2026, 2, 2), amount=Decimal("100.00")
    )


def test_payments_without_reference_are_named_after_their_id(old_apps):
    Payment = old_apps.get_model("portal", "Payment")
    call = premium_call(old_apps, "EM-1")
    kept = Payment.objects.create(premium_call=call, amount=Decimal("60.00"), paid_on=date(2026, 2, 10),
                                  reference="VIR-1")
    blank = [Payment.objects.create(premium_call=call, amount=Decimal("60.00"), paid_on=date(2026, 2, 10))
             for _ in range(2)]

    Payment = migrate(AFTER).get_model("portal", "Payment")
    references = dict(Payment.objects.values_list("id", "reference"))
    assert references == {kept.id: "VIR-1", blank[0].id: f"SANS-REF-{blank[0].id}",
                          blank[1].id: f"SANS-REF-{blank[1].id}"}
    for reference in ("", "VIR-1"):
        with pytest.raises(IntegrityError), transaction.atomic():
            Payment.objects.create(premium_call_id=kept.premium_call_id, amount=Decimal("1.00"),
                                   paid_on=date(2026, 2, 10), reference=reference)


def test_a_real_reference_that_looks_generated_is_not_reused(old_apps):
    Payment = old_apps.get_model("portal", "Payment")
    call = premium_call(old_apps, "EM-1")
    blank = Payment.objects.create(premium_call=call, amount=Decimal("10.00"), paid_on=date(2026, 2, 10))
    Payment.objects.create(premium_call=call, amount=Decimal("10.00"), paid_on=date(2026, 2, 10),
                           reference=f"SANS-REF-{blank.id}")

    Payment = migrate(AFTER).get_model("portal", "Payment")
    assert Payment.objects.get(id=blank.id).reference == f"SANS-REF-{blank.id}-2"
    assert Payment.objects.filter(reference=f"SANS-REF-{blank.id}").count() == 1
