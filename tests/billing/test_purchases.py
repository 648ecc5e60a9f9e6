"""Credit purchases through the payment-provider interface and its signed notifications."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from billing import payments, purchases
from billing.models import CreditPurchase, EntryKind, LedgerEntry, PaymentNotification, PurchaseStatus, Receipt
from billing.payments import PaymentNotice, SandboxProvider, notice_encode, payment_secret
from billing.selectors import account_balance
from portal import clock
from portal.errors import ApplicationError

provider = SandboxProvider()


@pytest.fixture
def pending(org, admin_user):
    def _pending(amount="30.00"):
        purchase, url = purchases.credit_purchase_start(organisation=org, amount=amount, by=admin_user,
                                                        provider=provider, now=clock.local_now())
        return purchase

    return _pending


def notify(payload, signature, *, now=None):
    return purchases.credit_purchase_notify(provider=provider, payload=payload, signature=signature,
                                            now=now or clock.local_now(), today=clock.business_today())


def state():
    return (LedgerEntry.objects.count(), Receipt.objects.count(),
            list(CreditPurchase.objects.values_list("status", flat=True)), PaymentNotification.objects.count())


def test_start_records_a_pending_purchase_and_sends_to_the_provider_page(org, admin_user):
    purchase, url = purchases.credit_purchase_start(organisation=org, amount="50", by=admin_user,
                                                    provider=provider, now=clock.local_now())
    assert purchase.status == PurchaseStatus.PENDING and purchase.amount == Decimal("50.00")
    assert url == reverse("billing:sandbox_payment", args=[purchase.token])
    assert len(purchase.token) >= 32


@pytest.mark.parametrize(("amount", "message"), [
    ("5", "compris entre 10,00\u00a0€ et 5\u202f000,00\u00a0€"), ("5000.01", "compris entre"), ("abc", "Montant invalide"),
    ("12.345", "deux décimales"), ("NaN", "Montant invalide"),
])
def test_bad_amounts_are_refused(org, admin_user, amount, message):
    with pytest.raises(ApplicationError, match=message):
        purchases.credit_purchase_start(organisation=org, amount=amount, by=admin_user, provider=provider,
                                        now=clock.local_now())
    assert not CreditPurchase.objects.exists()


def test_a_paid_notification_credits_the_account_and_issues_a_receipt(org, pending, django_capture_on_commit_callbacks):
    purchase = pending("30.00")
    payload, signature = provider.notice_for(purchase=purchase, outcome="paid", now=clock.local_now())
    with django_capture_on_commit_callbacks() as callbacks:
        result = notify(payload, signature)
    purchase.refresh_from_db()
    assert result.changed and purchase.status == PurchaseStatus.PAID
    assert purchase.ledger_entry.kind == EntryKind.PURCHASE and purchase.ledger_entry.amount == Decimal("30.00")
    assert account_balance(organisation=org) == Decimal("30.00")
    receipt = Receipt.objects.get()
    assert receipt.number == "R000001" and receipt.amount == Decimal("30.00") and receipt.purchase == purchase
    assert receipt.issued_on == clock.business_today()
    # the receipt's PDF is rendered by Celery, queued once the transaction has committed
    assert [(c.func.__self__.name, c.args) for c in callbacks] == [("billing.tasks.receipt_render_task", (receipt.pk,))]
    assert receipt.document_id is None


def test_a_declined_payment_credits_nothing(org, pending):
    purchase = pending()
    payload, signature = provider.notice_for(purchase=purchase, outcome="declined", now=clock.local_now())
    notify(payload, signature)
    purchase.refresh_from_db()
    assert purchase.status == PurchaseStatus.DECLINED
    assert account_balance(organisation=org) == Decimal("0.00") and not Receipt.objects.exists()


def test_a_forged_signature_is_refused_and_changes_nothing(pending):
    purchase = pending()
    payload, signature = provider.notice_for(purchase=purchase, outcome="paid", now=clock.local_now())
    before = state()
    for bad in ["", "0" * 64, signature[:-1] + ("0" if signature[-1] != "0" else "1"), "é" * 64]:
        with pytest.raises(ApplicationError) as caught:
            notify(payload, bad)
        assert caught.value.code == "forged"
    # a payload signed with another secret, or tampered with after signing
    other_payload, other_signature = notice_encode(
        PaymentNotice("n1", purchase.token, "paid", purchase.amount, "X", clock.local_now()), secret=b"not the secret"
    )
    with pytest.raises(ApplicationError, match="signature invalide"):
        notify(other_payload, other_signature)
    data = json.loads(base64.urlsafe_b64decode(payload))
    data["amount"] = "3000.00"
    tampered = base64.urlsafe_b64encode(json.dumps(data).encode()).decode()
    with pytest.raises(ApplicationError, match="signature invalide"):
        notify(tampered, signature)
    assert state() == before


def test_a_replayed_notification_is_refused_and_credits_once(org, pending):
    purchase = pending()
    payload, signature = provider.notice_for(purchase=purchase, outcome="paid", now=clock.local_now())
    notify(payload, signature)
    before = state()
    with pytest.raises(ApplicationError) as caught:
        notify(payload, signature)
    assert caught.value.code == "replayed"
    assert state() == before and account_balance(organisation=org) == Decimal("30.00")


def test_a_new_notification_about_a_settled_purchase_is_idempotent(org, pending):
    purchase = pending()
    notify(*provider.notice_for(purchase=purchase, outcome="paid", now=clock.local_now()))
    result = notify(*provider.notice_for(purchase=purchase, outcome="paid", now=clock.local_now()))
    declined_later = notify(*provider.notice_for(purchase=purchase, outcome="declined", now=clock.local_now()))
    assert not result.changed and not declined_later.changed
    purchase.refresh_from_db()
    assert purchase.status == PurchaseStatus.PAID
    assert account_balance(organisation=org) == Decimal("30.00") and Receipt.objects.count() == 1


def test_a_late_notification_is_refused(org, pending):
    purchase = pending()
    sent = clock.local_now()
    payload, signature = provider.notice_for(purchase=purchase, outcome="paid", now=sent)
    before = state()
    with pytest.raises(ApplicationError, match="périmée") as caught:
        notify(payload, signature, now=sent + purchases.NOTICE_MAX_AGE + timedelta(seconds=1))
    assert caught.value.code == "late"
    with pytest.raises(ApplicationError, match="périmée"):  # dated in the future
        notify(payload, signature, now=sent - timedelta(minutes=5))
    assert state() == before


def test_a_payment_after_the_payment_window_is_refused(org, pending):
    purchase = pending()
    after_window = purchase.expires_at + timedelta(seconds=1)
    payload, signature = provider.notice_for(purchase=purchase, outcome="paid", now=after_window)
    with pytest.raises(ApplicationError, match="expiré"):
        notify(payload, signature, now=after_window)
    purchase.refresh_from_db()
    assert purchase.status == PurchaseStatus.EXPIRED and account_balance(organisation=org) == Decimal("0.00")


def test_an_amount_that_differs_from_the_purchase_is_refused(org, pending):
    purchase = pending("30.00")
    payload, signature = notice_encode(
        PaymentNotice("n-amount", purchase.token, "paid", Decimal("3000.00"), "X", clock.local_now()),
        secret=payment_secret(),
    )
    with pytest.raises(ApplicationError, match="montant incohérent"):
        notify(payload, signature)
    purchase.refresh_from_db()
    assert purchase.status == PurchaseStatus.PENDING and not PaymentNotification.objects.exists()


def test_an_unknown_purchase_or_unreadable_payload_is_refused(db):
    payload, signature = notice_encode(
        PaymentNotice("n-unknown", "no-such-token", "paid", Decimal("30.00"), "X", clock.local_now()),
        secret=payment_secret(),
    )
    with pytest.raises(ApplicationError, match="achat inconnu"):
        notify(payload, signature)
    garbage = base64.urlsafe_b64encode(b"{not json").decode()
    with pytest.raises(ApplicationError, match="illisible"):
        notify(garbage, payments.signature_of(garbage.encode(), payment_secret()))


def test_secret_comes_from_settings(settings, pending):
    purchase = pending()
    payload, signature = provider.notice_for(purchase=purchase, outcome="paid", now=clock.local_now())
    settings.BILLING_PAYMENT_SECRET = "rotated-secret"
    with pytest.raises(ApplicationError, match="signature invalide"):
        notify(payload, signature)
    assert notify(*provider.notice_for(purchase=purchase, outcome="paid", now=clock.local_now())).changed


# ------------------------------------------------------------------------ through HTTP

def test_callback_endpoint_statuses(client, org, pending):
    purchase = pending()
    url = reverse("billing:payment_callback")
    payload, signature = provider.notice_for(purchase=purchase, outcome="paid", now=clock.local_now())
    assert client.post(url, {"payload": payload, "signature": "0" * 64}).status_code == 403
    assert client.get(url).status_code == 405
    response = client.post(url, {"payload": payload, "signature": signature})
    assert response.status_code == 303
    assert response["Location"] == reverse("billing:purchase_result", args=[purchase.token])
    replay = client.post(url, {"payload": payload, "signature": signature})
    assert replay.status_code == 409 and "déjà reçue" in replay.content.decode()
    assert account_balance(organisation=org) == Decimal("30.00")


def test_purchase_through_the_pages(client_for, admin_user, org):
    client = client_for(admin_user)
    response = client.post(reverse("billing:purchase"), {"amount": "50"})
    assert response.status_code == 302
    purchase = CreditPurchase.objects.get()
    assert response["Location"] == reverse("billing:sandbox_payment", args=[purchase.token])
    page = client.get(response["Location"])
    assert "Paiement de 50,00\u00a0€ TTC" in page.content.decode()
    bad = client.post(response["Location"], {"card_type": "cb", "card_number": "4111 1111 1111 1112",
                                             "expiry_month": "12", "expiry_year": "2030", "cvv": "12"})
    assert bad.status_code == 400
    assert "Numéro de carte invalide" in bad.content.decode() and "3 ou 4 chiffres" in bad.content.decode()
    bank = client.post(response["Location"], {"card_type": "cb", "card_number": "4111 1111 1111 1111",
                                              "expiry_month": "12", "expiry_year": "2030", "cvv": "123"})
    assert bank.status_code == 200 and bank.context["action"] == reverse("billing:payment_callback")
    back = client.post(bank.context["action"], {"payload": bank.context["payload"],
                                                "signature": bank.context["signature"]})
    result = client.get(back["Location"])
    text = result.content.decode()
    assert "Paiement accepté" in text and "R000001" in text
    assert "Crédit actuel : <strong>50,00\u00a0€</strong> (soit 13 LRAR ou 16 sans accusé de réception)" in text
    # the bank page is closed once the purchase is settled
    assert client.get(response["Location"]).status_code == 410


def test_declining_on_the_bank_page(client_for, admin_user, org):
    client = client_for(admin_user)
    location = client.post(reverse("billing:purchase"), {"amount": "30"})["Location"]
    bank = client.post(location, {"decline": "1"})
    back = client.post(bank.context["action"], {"payload": bank.context["payload"],
                                                "signature": bank.context["signature"]})
    text = client.get(back["Location"]).content.decode()
    assert "Paiement refusé ou annulé" in text
    assert account_balance(organisation=org) == Decimal("0.00")


def test_purchase_form_refuses_an_amount_not_offered(client_for, admin_user):
    response = client_for(admin_user).post(reverse("billing:purchase"), {"amount": "7"})
    assert response.status_code == 400 and "Sélectionnez un choix valide" in response.content.decode()
    assert not CreditPurchase.objects.exists()
