"""``courrier_demo`` (run by ``seed_demo``): envelopes in every state, idempotent."""

import pytest
from django.core.management import call_command

from courrier.models import DeliveryStatus, Envelope, Status


@pytest.mark.slow
@pytest.mark.django_db
def test_demo_envelopes_in_every_state_and_idempotent():
    call_command("seed_demo")
    first = Envelope.objects.count()
    call_command("courrier_demo")
    assert Envelope.objects.count() == first > 0
    assert set(Envelope.objects.values_list("status", flat=True)) == {
        Status.DRAFT, Status.SCHEDULED, Status.POSTED, Status.CANCELLED}
    delivered = Envelope.objects.get(delivery_status=DeliveryStatus.DELIVERED)
    assert delivered.tracking_number and delivered.deposit_proof_id and delivered.acknowledgement_id
