"""Commission data (issue 13 §3): the commission rate of each product with its dates of
effect, and the monthly commission statements of each organisation with their lines.

* ``CommissionRate``: staff-edited; the rate of a product on a day is the row with the latest
  ``effective_from`` on or before that day. A rate used by an issued statement is never changed
  nor deleted (the admin refuses, the line protects it): a new row with a later date instead.
* ``Statement`` / ``StatementLine``: issued once per organisation and month (unique), never
  changed afterwards: every amount is frozen on the lines, the organisation's identity in
  ``snapshot``, the PDF stored with its SHA-256. A payment is stated once (unique); a payment
  recorded after its month was issued, or a stated payment withdrawn by the insurer, goes to the
  next statement as an adjustment line.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from portal.models import Organisation, Payment, Policy, Product, StoredDocument


class CommissionRate(models.Model):
    product = models.ForeignKey(Product, verbose_name="produit", on_delete=models.PROTECT,
                                related_name="commission_rates")
    rate = models.DecimalField(
        "taux de commission (%)", max_digits=5, decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="En pourcentage de la cotisation encaissée, par exemple 12,50.",
    )
    effective_from = models.DateField(
        "date d'effet", help_text="Le taux s'applique aux paiements reçus à partir de cette date.")
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "taux de commission"
        verbose_name_plural = "taux de commission"
        ordering = ["product__name", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["product", "effective_from"], name="commission_rate_one_per_date"),
            models.CheckConstraint(name="commission_rate_between_0_and_100",
                                   condition=Q(rate__gte=0) & Q(rate__lte=100)),
        ]

    def __str__(self) -> str:
        return f"{self.product} : {self.rate} % au {self.effective_from:%d/%m/%Y}"


class Statement(models.Model):
    """« Relevé de commissions » of an organisation for one month, as issued."""

    number = models.CharField("numéro", max_length=40, unique=True)
    organisation = models.ForeignKey(Organisation, verbose_name="cabinet", on_delete=models.PROTECT,
                                     related_name="commission_statements")
    period_start = models.DateField("début de période")
    period_end = models.DateField("fin de période")
    issued_on = models.DateField("émis le")
    line_count = models.PositiveIntegerField("lignes")
    premium_total = models.DecimalField("cotisations encaissées", max_digits=14, decimal_places=2)
    commission_total = models.DecimalField("total des commissions HT", max_digits=14, decimal_places=2)
    vat_rate = models.DecimalField("taux de TVA", max_digits=5, decimal_places=2)
    vat_amount = models.DecimalField("TVA", max_digits=14, decimal_places=2)
    total_including_tax = models.DecimalField("total TTC", max_digits=14, decimal_places=2)
    vat_mention = models.CharField("mention TVA", max_length=200, blank=True)
    snapshot = models.JSONField("contenu à l'émission", default=dict, editable=False)
    document = models.ForeignKey(StoredDocument, verbose_name="PDF", on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="+")
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "relevé de commissions"
        verbose_name_plural = "relevés de commissions"
        ordering = ["-period_start", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "period_start"], name="commission_statement_one_per_month"),
            models.CheckConstraint(name="commission_statement_period_in_order",
                                   condition=Q(period_end__gte=models.F("period_start"))),
        ]

    def __str__(self) -> str:
        return self.number


class LineKind(models.TextChoices):
    COLLECTED = "collected", "Encaissement du mois"
    LATE = "late", "Régularisation : paiement enregistré après la clôture"
    REVERSAL = "reversal", "Régularisation : paiement annulé"


STATED_KINDS = (LineKind.COLLECTED, LineKind.LATE)


class StatementLine(models.Model):
    """One payment on a statement (or the reversal of one already stated), amounts frozen."""

    statement = models.ForeignKey(Statement, verbose_name="relevé", on_delete=models.PROTECT, related_name="lines")
    kind = models.CharField("nature", max_length=20, choices=LineKind.choices)
    # The payment stated (null once the insurer withdrew it: the line keeps its reference).
    payment = models.ForeignKey(Payment, verbose_name="paiement", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="commission_lines")
    payment_reference = models.CharField("référence du paiement", max_length=40)
    paid_on = models.DateField("reçu le")
    policy = models.ForeignKey(Policy, verbose_name="police", on_delete=models.PROTECT, related_name="+")
    policy_number = models.CharField("n° police", max_length=20)
    member_number = models.CharField("n° sociétaire", max_length=20)
    company_name = models.CharField("raison sociale", max_length=120)
    product_name = models.CharField("produit", max_length=120, blank=True)
    premium = models.DecimalField("cotisation encaissée", max_digits=12, decimal_places=2)
    commission_rate = models.ForeignKey(CommissionRate, verbose_name="taux appliqué", on_delete=models.PROTECT,
                                        null=True, blank=True, related_name="lines")
    rate = models.DecimalField("taux (%)", max_digits=5, decimal_places=2, null=True, blank=True)
    commission = models.DecimalField("commission HT", max_digits=12, decimal_places=2)
    reverses = models.OneToOneField("self", verbose_name="annule la ligne", on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="reversed_by")

    class Meta:
        verbose_name = "ligne de relevé de commissions"
        verbose_name_plural = "lignes de relevés de commissions"
        ordering = ["kind", "paid_on", "policy_number", "id"]
        constraints = [
            # A payment is stated once, whatever the statement (a run twice issues nothing twice).
            models.UniqueConstraint(fields=["payment"], condition=Q(kind__in=["collected", "late"]),
                                    name="commission_line_payment_once"),
            models.CheckConstraint(name="commission_line_reversal_points_back",
                                   condition=Q(kind="reversal", reverses__isnull=False)
                                   | (~Q(kind="reversal") & Q(reverses__isnull=True))),
        ]
        indexes = [models.Index(fields=["statement", "kind", "paid_on"], name="commission_line_order")]

    def __str__(self) -> str:
        return f"{self.policy_number} — {self.payment_reference}"
