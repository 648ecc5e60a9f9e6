"""Credit purchases ("Achat de crédits", seed 001 §9.1) and their receipts (§9.2).

``credit_purchase_start`` records a pending purchase and returns where to send the browser;
``credit_purchase_notify`` handles the provider's signed notification: it refuses forged,
malformed, late and replayed notifications (nothing changes), credits the account once for a
payment (purchase entry + receipt R… in one transaction, PDF rendered by Celery after commit)
and is idempotent (a new notification about a settled purchase changes nothing).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction

from billing import numbering
from billing.documents import buyer_identity, seller_identity
from billing.models import CreditPurchase, PaymentNotification, PurchaseStatus, Receipt
from billing.payments import PaymentProvider
from billing.services import account_for, account_lock, credit_entry_append, parse_amount
from portal.errors import ApplicationError
from portal.formatting import format_money
from portal.models import Organisation, User
from portal.transactions import enqueue_on_commit

# The amounts offered on the purchase page (€ TTC); any amount in [MIN, MAX] is accepted.
PURCHASE_AMOUNTS = (30, 50, 100, 200, 300, 500, 1000, 2000)
PURCHASE_MIN = Decimal("10.00")
PURCHASE_MAX = Decimal("5000.00")
# How long the payment page accepts a payment, and how old a notification may be.
PAYMENT_WINDOW = timedelta(minutes=30)
NOTICE_MAX_AGE = timedelta(minutes=10)
CLOCK_SKEW = timedelta(minutes=2)


def credit_purchase_start(*, organisation: Organisation, amount, by: User, provider: PaymentProvider,
                          now: datetime) -> tuple[CreditPurchase, str]:
    """A pending purchase and the provider's payment page URL to redirect the user to."""
    value = parse_amount(amount)
    if not PURCHASE_MIN <= value <= PURCHASE_MAX:
        raise ApplicationError(
            f"Le montant doit être compris entre {format_money(PURCHASE_MIN)} et {format_money(PURCHASE_MAX)}.",
            field="amount",
        )
    account = account_for(organisation=organisation)
    purchase = CreditPurchase.objects.create(
        account=account, amount=value, provider=provider.name, token=secrets.token_urlsafe(24),
        expires_at=now + PAYMENT_WINDOW, created_by=by,
    )
    return purchase, provider.checkout_url(purchase=purchase)


@dataclass(frozen=True)
class NotifyResult:
    purchase: CreditPurchase
    changed: bool  # False when the purchase was already settled (idempotent replay by the bank)


def _receipt_issue(*, purchase: CreditPurchase, today: date) -> Receipt:
    """The receipt of a paid purchase, with everything it says (parties, payment) frozen."""
    sequence, number = numbering.number_take(name=numbering.RECEIPT)
    snapshot = {
        "seller": seller_identity(),
        "buyer": buyer_identity(purchase.account.organisation),
        "payment": {"means": "Carte bancaire", "provider_reference": purchase.provider_reference},
    }
    return Receipt.objects.create(
        number=number, sequence=sequence, account=purchase.account, purchase=purchase,
        issued_on=today, amount=purchase.amount, snapshot=snapshot,
    )


def credit_purchase_notify(*, provider: PaymentProvider, payload: str, signature: str, now: datetime,
                           today: date) -> NotifyResult:
    """Apply a payment notification (see the module docstring)."""
    from billing.tasks import receipt_render_task

    notice = provider.notice_parse(payload=payload, signature=signature)
    if notice.issued_at < now - NOTICE_MAX_AGE or notice.issued_at > now + CLOCK_SKEW:
        raise ApplicationError("Notification de paiement refusée : elle est périmée.", code="late")
    expired = False
    with transaction.atomic():
        purchase = (
            CreditPurchase.objects.select_for_update()
            .filter(token=notice.token, provider=provider.name)
            .first()
        )
        if purchase is None:
            raise ApplicationError("Notification de paiement refusée : achat inconnu.", code="unknown")
        if PaymentNotification.objects.filter(notification_id=notice.notification_id).exists():
            raise ApplicationError("Notification de paiement refusée : déjà reçue.", code="replayed")
        if notice.amount != purchase.amount:
            raise ApplicationError("Notification de paiement refusée : montant incohérent.", code="amount")
        PaymentNotification.objects.create(
            notification_id=notice.notification_id, purchase=purchase, outcome=notice.outcome
        )
        if purchase.status != PurchaseStatus.PENDING:
            return NotifyResult(purchase, changed=False)
        purchase.provider_reference = notice.provider_reference
        purchase.settled_at = now
        if notice.issued_at > purchase.expires_at:
            purchase.status = PurchaseStatus.EXPIRED
            expired = True
        elif notice.outcome == "declined":
            purchase.status = PurchaseStatus.DECLINED
        else:
            account = account_lock(account=purchase.account)  # after the purchase lock, always
            purchase.ledger_entry = credit_entry_append(
                account=account, amount=purchase.amount, label="Achat de crédits", booked_on=today,
                by=purchase.created_by, idempotency_key=f"purchase:{purchase.pk}",
            )
            purchase.status = PurchaseStatus.PAID
            receipt = _receipt_issue(purchase=purchase, today=today)
            enqueue_on_commit(receipt_render_task, receipt.pk)
        purchase.save(update_fields=["status", "provider_reference", "settled_at", "ledger_entry"])
    if expired:
        raise ApplicationError("Paiement refusé : la demande de paiement a expiré.", code="expired")
    return NotifyResult(purchase, changed=True)


def credit_purchase_expired(*, purchase: CreditPurchase, now: datetime) -> bool:
    return purchase.status == PurchaseStatus.EXPIRED or (
        purchase.status == PurchaseStatus.PENDING and purchase.expires_at < now
    )
