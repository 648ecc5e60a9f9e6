"""Billing demo data (called by ``seed_demo``; idempotent): credit purchases with their
receipts for the demo organisations, consumption last month and this month, and last month's
invoices, all through the services (purchases go through the sandbox provider's signed
notification, as in the browser)."""

from datetime import time, timedelta
from decimal import Decimal

from billing import invoicing, purchases
from billing.documents import invoice_document_ensure, receipt_document_ensure
from billing.models import CreditPurchase, Invoice, LedgerEntry, Receipt
from billing.payments import SandboxProvider
from billing.services import LineItem, account_debit, account_refund, paper_mail_items, price_list_install_defaults
from portal import clock
from portal.management.demo import DemoCommand
from portal.models import Organisation, Role, User
from portal.months import previous_month
from portal.providers import sandboxes_allowed

DEMO = {
    # orias: purchases (€), debits last month, debits this month
    "07000001": ([200, 50], 14, 4),
    "07000002": ([100], 6, 2),
}


class Command(DemoCommand):
    help = "Crée des achats de crédits, reçus, consommations et factures de démonstration (idempotent)."

    def handle(self, *args, **options):
        if not sandboxes_allowed():  # production: no sandbox to play the providers
            self.stdout.write("Facturation : pas de données de démonstration (bacs à sable refusés par ces réglages).")
            return
        price_list_install_defaults()
        today = clock.business_today()
        last_start, last_end = previous_month(today)
        provider = SandboxProvider()
        for orias, (amounts, last_month, this_month) in DEMO.items():
            organisation = Organisation.objects.filter(orias=orias).first()
            if organisation is None:
                continue
            buyer = User.objects.filter(organisation=organisation, role=Role.ADMINISTRATOR).first()
            self._purchases(organisation, buyer, amounts, provider, last_start)
            self._debits(organisation, buyer, last_start, last_end, last_month, "m1")
            self._debits(organisation, buyer, today.replace(day=1), today, this_month, "m0")
        # issued as the beat job does, on the 1st of this month
        run = invoicing.invoices_issue(period_start=last_start, today=today.replace(day=1))
        for invoice in Invoice.objects.filter(document__isnull=True):
            invoice_document_ensure(invoice_id=invoice.pk)
        for receipt in Receipt.objects.filter(document__isnull=True):
            receipt_document_ensure(receipt_id=receipt.pk)
        self.stdout.write(f"Facturation de démonstration prête ({run.count} facture(s) émise(s)).")

    def _purchases(self, organisation, buyer, amounts, provider, day):
        already = CreditPurchase.objects.filter(account__organisation=organisation, status="paid").count()
        for index, amount in enumerate(amounts[already:], start=already):
            now = clock.at_local_time(day + timedelta(days=index), time(10, 0))
            purchase, _ = purchases.credit_purchase_start(
                organisation=organisation, amount=Decimal(amount), by=buyer, provider=provider, now=now
            )
            payload, signature = provider.notice_for(purchase=purchase, outcome="paid", now=now)
            purchases.credit_purchase_notify(provider=provider, payload=payload, signature=signature, now=now,
                                             today=day + timedelta(days=index))

    def _debits(self, organisation, buyer, start, end, count, tag):
        span = max((end - start).days, 1)
        for index in range(count):
            key = f"demo:{organisation.orias}:{start:%Y-%m}:{tag}:{index}"
            if LedgerEntry.objects.filter(idempotency_key=key).exists():
                continue
            on = start + timedelta(days=index * span // max(count, 1))
            if index % 3 == 0:
                items, label = paper_mail_items(mode="lettre_verte", sheets=2, typed_address=True), "Courrier papier"
            elif index % 3 == 1:
                items, label = [LineItem("registered_eletter_acknowledgement")], "Lettre de résiliation (LRE avec AR)"
            else:
                items, label = [LineItem("registered_eletter"), LineItem("esignature")], "Lettre de résiliation, mandat signé en ligne"
            entry = account_debit(organisation=organisation, items=items, idempotency_key=key,
                                  label=f"{label} n° {index + 1}", on=on, by=buyer)
            if index == 5:
                account_refund(debit_entry_id=entry.pk, reason="Envoi annulé avant la date programmée", by=buyer, on=on)
