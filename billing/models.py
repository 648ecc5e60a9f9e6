"""Billing data (SPEC §7, seed 001 §9): price list, prepaid accounts and their append-only
ledger, credit purchases, receipts (R…), monthly invoices (M…) and credit notes (A…).

* ``Price``: the price list, TTC (the seed's prices include VAT), one row per product and
  date of effect; the price of a product on a day is the row with the latest ``valid_from``
  on or before that day.
* ``Account``: one per organisation; ``balance`` is a cache of the sum of its ledger entries,
  updated in the same transaction as each insert, under a row lock on the account.
* ``LedgerEntry`` / ``LedgerLine``: append-only. The database refuses UPDATE on both (and
  DELETE on PostgreSQL): see migration 0002.
* ``Receipt``, ``Invoice``, ``InvoiceLine``: immutable once issued; the only change the
  database accepts is attaching the rendered PDF once (``document`` from NULL to a value).
  Everything a receipt or an invoice says is on its rows — the seller's and the buyer's
  identities in ``snapshot`` — so its PDF never reads the live organisation or settings.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q

from portal.formatting import format_money
from portal.models import Organisation, StoredDocument

ZERO = Decimal("0.00")
HALF_CENT = models.Value(Decimal("0.005"))


class Product(models.TextChoices):
    """The codes of the price list (see ``billing.services`` for what each one prices)."""

    REGISTERED_ELETTER = "registered_eletter", "Lettre recommandée électronique sans accusé de réception"
    REGISTERED_ELETTER_ACKNOWLEDGEMENT = "registered_eletter_acknowledgement", "Lettre recommandée électronique avec accusé de réception"
    ESIGNATURE = "esignature", "Signature électronique du mandat"
    PLATFORM_REGISTERED_ELETTER = "platform_registered_eletter", "Lettre recommandée électronique avec AR au nom de la plateforme"
    IDENTITY_CHECK = "identity_check", "Vérification d'identité (eIDAS)"
    ADDRESS_PAGE = "address_page", "Page porte-adresse saisie"
    FIRST_PAGE_ADDRESS = "first_page_address", "Utilisation de l'adresse du premier document"
    PAPER_MAIL_ECOPLI = "paper_mail_ecopli", "Courrier papier Écopli (1 feuille)"
    PAPER_MAIL_LETTRE_VERTE = "paper_mail_lettre_verte", "Courrier papier Lettre verte (1 feuille)"
    PAPER_MAIL_LETTRE_SUIVIE = "paper_mail_lettre_suivie", "Courrier papier Lettre suivie (1 feuille)"
    PAPER_MAIL_RECOMMANDE = "paper_mail_recommande", "Courrier papier Recommandé (1 feuille)"
    PAPER_MAIL_RECOMMANDE_AR = "paper_mail_recommande_ar", "Courrier papier Recommandé avec AR (1 feuille)"
    PAPER_MAIL_EXTRA_SHEET = "paper_mail_extra_sheet", "Courrier papier : feuille supplémentaire"


class Price(models.Model):
    product = models.CharField("produit", max_length=40, choices=Product.choices)
    amount = models.DecimalField(
        "prix TTC", max_digits=10, decimal_places=2, help_text="Toutes taxes comprises (TVA 20 %)."
    )
    valid_from = models.DateField("en vigueur à partir du")
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "tarif"
        verbose_name_plural = "tarifs"
        ordering = ["product", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["product", "valid_from"], name="billing_price_product_date_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_product_display()} : {format_money(self.amount)} TTC au {self.valid_from:%d/%m/%Y}"


class Account(models.Model):
    organisation = models.OneToOneField(
        Organisation, verbose_name="cabinet", on_delete=models.PROTECT, related_name="billing_account"
    )
    balance = models.DecimalField("crédit", max_digits=12, decimal_places=2, default=ZERO)
    overdraft_limit = models.DecimalField(
        "découvert autorisé", max_digits=12, decimal_places=2, default=ZERO,
        help_text="Montant dont le crédit peut devenir négatif (0 : aucun découvert).",
    )
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "compte de crédits"
        verbose_name_plural = "comptes de crédits"
        ordering = ["organisation__name"]
        constraints = [
            models.CheckConstraint(name="billing_account_overdraft_not_negative", condition=Q(overdraft_limit__gte=0)),
        ]

    def __str__(self) -> str:
        return f"Compte de {self.organisation.name}"

    @property
    def available(self) -> Decimal:
        return self.balance + self.overdraft_limit


class EntryKind(models.TextChoices):
    PURCHASE = "purchase", "Achat de crédits"
    DEBIT = "debit", "Consommation"
    REFUND = "refund", "Remboursement"
    ADJUSTMENT = "adjustment", "Régularisation"


class LedgerEntry(models.Model):
    """One movement of credit, never changed nor deleted (a refund is a new entry)."""

    account = models.ForeignKey(Account, verbose_name="compte", on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField("type", max_length=20, choices=EntryKind.choices)
    amount = models.DecimalField("montant", max_digits=12, decimal_places=2, help_text="Positif : crédit ; négatif : débit.")
    balance_after = models.DecimalField("crédit après l'opération", max_digits=12, decimal_places=2)
    booked_on = models.DateField("date")
    label = models.CharField("libellé", max_length=200)
    reason = models.CharField("motif", max_length=300, blank=True)
    idempotency_key = models.CharField("clé d'idempotence", max_length=200, blank=True)
    refund_of = models.OneToOneField(
        "self", verbose_name="débit remboursé", on_delete=models.PROTECT, null=True, blank=True,
        related_name="refund",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="par", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("enregistré le", auto_now_add=True)

    class Meta:
        verbose_name = "écriture"
        verbose_name_plural = "écritures (grand livre)"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["idempotency_key"], condition=~Q(idempotency_key=""), name="billing_entry_key_unique"
            ),
            models.CheckConstraint(
                name="billing_entry_sign_by_kind",
                condition=(Q(kind="purchase", amount__gt=0) | Q(kind="debit", amount__lt=0)
                           | Q(kind="refund", amount__gt=0, refund_of__isnull=False)
                           | (Q(kind="adjustment") & ~Q(amount=0) & ~Q(reason=""))),
            ),
            models.CheckConstraint(
                name="billing_entry_refund_link", condition=Q(kind="refund") | Q(refund_of__isnull=True)
            ),
        ]
        indexes = [models.Index(fields=["account", "booked_on"]), models.Index(fields=["booked_on", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {format_money(self.amount)} ({self.label})"


class LedgerLine(models.Model):
    """What a debit (or its refund) paid for: product, quantity, unit price TTC at that date."""

    entry = models.ForeignKey(LedgerEntry, on_delete=models.PROTECT, related_name="lines")
    product = models.CharField("produit", max_length=40, choices=Product.choices)
    quantity = models.PositiveIntegerField("quantité")
    unit_price = models.DecimalField("prix unitaire TTC", max_digits=10, decimal_places=2)
    amount = models.DecimalField("montant TTC", max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = "ligne d'écriture"
        verbose_name_plural = "lignes d'écriture"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.get_product_display()}"


class PurchaseStatus(models.TextChoices):
    PENDING = "pending", "En attente de paiement"
    PAID = "paid", "Payé"
    DECLINED = "declined", "Refusé"
    EXPIRED = "expired", "Expiré"


class CreditPurchase(models.Model):
    """An "Achat de crédits" through the payment provider."""

    account = models.ForeignKey(Account, verbose_name="compte", on_delete=models.PROTECT, related_name="purchases")
    amount = models.DecimalField("montant TTC", max_digits=12, decimal_places=2)
    status = models.CharField("état", max_length=20, choices=PurchaseStatus.choices, default=PurchaseStatus.PENDING)
    provider = models.CharField("prestataire de paiement", max_length=40)
    token = models.CharField("référence de paiement", max_length=64, unique=True)
    provider_reference = models.CharField("référence de transaction", max_length=100, blank=True)
    expires_at = models.DateTimeField("expire le")
    settled_at = models.DateTimeField("réglé le", null=True, blank=True)
    ledger_entry = models.OneToOneField(
        LedgerEntry, verbose_name="écriture", on_delete=models.PROTECT, null=True, blank=True, related_name="purchase"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="par", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "achat de crédits"
        verbose_name_plural = "achats de crédits"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(name="billing_purchase_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="billing_purchase_paid_has_entry",
                condition=~Q(status="paid") | Q(ledger_entry__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"Achat de {format_money(self.amount)} ({self.get_status_display()})"


class PaymentNotification(models.Model):
    """Each callback of the provider accepted once: a replayed notification is refused."""

    notification_id = models.CharField("identifiant", max_length=100, unique=True)
    purchase = models.ForeignKey(CreditPurchase, on_delete=models.PROTECT, related_name="notifications")
    outcome = models.CharField("résultat", max_length=20)
    received_at = models.DateTimeField("reçue le", auto_now_add=True)

    class Meta:
        verbose_name = "notification de paiement"
        verbose_name_plural = "notifications de paiement"

    def __str__(self) -> str:
        return self.notification_id


class NumberSequence(models.Model):
    """Gap-free counters (receipts, invoices): the row is locked while a number is taken, in
    the transaction that inserts the numbered document, so a rollback gives the number back."""

    name = models.CharField(max_length=20, primary_key=True)
    last_value = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = "compteur de numérotation"
        verbose_name_plural = "compteurs de numérotation"

    def __str__(self) -> str:
        return f"{self.name} : {self.last_value}"


class Receipt(models.Model):
    """A reçu: proof of payment of one credit purchase (not an invoice: VAT is invoiced when the
    credit is used). ``snapshot``: ``seller``, ``buyer`` and ``payment`` as issued."""

    number = models.CharField("numéro de reçu", max_length=20, unique=True)
    sequence = models.PositiveBigIntegerField("rang", unique=True)
    account = models.ForeignKey(Account, verbose_name="compte", on_delete=models.PROTECT, related_name="receipts")
    purchase = models.OneToOneField(CreditPurchase, verbose_name="achat", on_delete=models.PROTECT, related_name="receipt")
    issued_on = models.DateField("date")
    amount = models.DecimalField("montant TTC", max_digits=12, decimal_places=2)
    snapshot = models.JSONField("contenu à l'émission", default=dict, editable=False)
    document = models.ForeignKey(
        StoredDocument, verbose_name="PDF", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "reçu"
        verbose_name_plural = "reçus"
        ordering = ["-sequence"]

    def __str__(self) -> str:
        return self.number


class InvoiceKind(models.TextChoices):
    """The "Type de facture" of the page Facturation."""

    INVOICE = "invoice", "Mensuelle"
    CREDIT_NOTE = "credit_note", "Avoir"


class Invoice(models.Model):
    """A monthly invoice (M…) of what an organisation consumed in a month — its debits less the
    refunds of those debits in the same month —, or the month's credit note (avoir, A…) for the
    refunds of debits invoiced in an earlier month. Each series is gap-free; amounts are
    positive (a credit note's are what it gives back). ``snapshot``: ``seller``, ``buyer`` and,
    for a credit note, ``corrects`` (the invoices it corrects), as issued."""

    kind = models.CharField("type", max_length=20, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE)
    number = models.CharField("numéro", max_length=20, unique=True)
    sequence = models.PositiveBigIntegerField("rang")
    account = models.ForeignKey(Account, verbose_name="compte", on_delete=models.PROTECT, related_name="invoices")
    period_start = models.DateField("début de période")
    period_end = models.DateField("fin de période")
    issued_on = models.DateField("date")
    vat_rate = models.DecimalField("taux de TVA", max_digits=5, decimal_places=2)
    total_excluding_tax = models.DecimalField("total HT", max_digits=12, decimal_places=2)
    total_tax = models.DecimalField("TVA", max_digits=12, decimal_places=2)
    total_including_tax = models.DecimalField("total TTC", max_digits=12, decimal_places=2)
    snapshot = models.JSONField("contenu à l'émission", default=dict, editable=False)
    document = models.ForeignKey(
        StoredDocument, verbose_name="PDF", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "facture mensuelle ou avoir"
        verbose_name_plural = "factures mensuelles et avoirs"
        ordering = ["-issued_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "sequence"], name="billing_invoice_sequence_unique"),
            models.UniqueConstraint(fields=["account", "period_start", "kind"], name="billing_invoice_one_per_month"),
            # HT + TVA = TTC to the cent (a half-cent margin: SQLite adds decimals as floats).
            models.CheckConstraint(
                name="billing_invoice_totals_add_up",
                condition=Q(total_including_tax__gt=models.F("total_excluding_tax") + models.F("total_tax") - HALF_CENT)
                & Q(total_including_tax__lt=models.F("total_excluding_tax") + models.F("total_tax") + HALF_CENT),
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_credit_note(self) -> bool:
        return self.kind == InvoiceKind.CREDIT_NOTE


class InvoiceLine(models.Model):
    """A line of an invoice or credit note: the net quantity of a product at a unit price, with
    its VAT (computed on the line's TTC amount, so that HT + TVA = TTC on each line)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="lines")
    product = models.CharField("produit", max_length=40, choices=Product.choices)
    label = models.CharField("désignation", max_length=200)
    quantity = models.IntegerField("quantité")
    unit_price = models.DecimalField("prix unitaire TTC", max_digits=10, decimal_places=2)
    unit_price_excluding_tax = models.DecimalField("prix unitaire HT", max_digits=12, decimal_places=4)
    vat_rate = models.DecimalField("taux de TVA", max_digits=5, decimal_places=2)
    amount_excluding_tax = models.DecimalField("montant HT", max_digits=12, decimal_places=2)
    tax_amount = models.DecimalField("montant de TVA", max_digits=12, decimal_places=2)
    amount = models.DecimalField("montant TTC", max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = "ligne de facture"
        verbose_name_plural = "lignes de facture"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.label
