"""Gap-free numbering of receipts (R…), invoices (M…) and credit notes (A…), one series each.

A number is taken in the transaction that inserts the numbered document: the counter row is
locked (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's IMMEDIATE transactions serialise
writers), incremented, and released at commit. A rollback gives the number back, so there is
never a gap; concurrent transactions wait for each other, so there is never a duplicate (and
the ``unique`` constraints on ``sequence`` and ``number`` would refuse one anyway).
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from billing.models import NumberSequence
from portal.pdf import in_business_transaction

RECEIPT = "receipt"
INVOICE = "invoice"
CREDIT_NOTE = "credit_note"
PREFIXES = {RECEIPT: "R", INVOICE: "M", CREDIT_NOTE: "A"}


def number_format(name: str, value: int) -> str:
    return f"{PREFIXES[name]}{value:06d}"


def _ensure(name: str) -> None:
    if NumberSequence.objects.filter(name=name).exists():
        return
    try:
        with transaction.atomic():
            NumberSequence.objects.create(name=name, last_value=0)
    except IntegrityError:
        pass


def number_take(*, name: str) -> tuple[int, str]:
    """The next (rank, number) of a sequence; must run inside the inserting transaction."""
    if not in_business_transaction():
        raise RuntimeError("number_take must run inside the transaction that inserts the document")
    _ensure(name)
    NumberSequence.objects.select_for_update().get(name=name)
    NumberSequence.objects.filter(name=name).update(last_value=F("last_value") + 1)
    value = NumberSequence.objects.values_list("last_value", flat=True).get(name=name)
    return value, number_format(name, value)
