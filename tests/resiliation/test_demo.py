"""``resiliation_demo`` (run by ``seed_demo``): letters in various statuses, idempotent."""

from datetime import time

import pytest
from django.core.management import call_command

from resiliation.models import LetterStatus, TerminationLetter


@pytest.mark.slow
@pytest.mark.django_db
def test_demo_letters_in_various_statuses_and_idempotent(set_today, monkeypatch):
    pytest.importorskip("billing.services")
    from django.utils import timezone

    from portal import clock

    moment = clock.at_local_time(clock.business_today(), time(10, 0))
    monkeypatch.setattr(timezone, "now", lambda: moment.astimezone(timezone.UTC))
    call_command("seed_demo")
    first = TerminationLetter.objects.count()
    call_command("resiliation_demo")
    assert TerminationLetter.objects.count() == first > 0
    statuses = set(TerminationLetter.objects.values_list("status", flat=True))
    assert {LetterStatus.DRAFT, LetterStatus.SCHEDULED, LetterStatus.DEPOSITED, LetterStatus.SIGNED,
            LetterStatus.CANCELLED, LetterStatus.AWAITING_SIGNATURE} <= statuses
    assert TerminationLetter.objects.filter(trashed_at__isnull=False).exists()
