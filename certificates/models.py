"""Insurance certificates (attestations d'assurance) issued by brokers for their clients' policies,
and the main guarantees of each product that they print (kept by staff in the admin).

A certificate is stored as issued (PDF + SHA-256, never rendered again); its verification code
is never stored, only its SHA-256 (``verification_hash``): the public page ``/verifier/<code>``
finds a certificate by the hash of what it is given, the same single lookup whether the code is
malformed, unknown or real.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from portal.models import Member, Organisation, Policy, Product, StoredDocument


class ProductGuarantee(models.Model):
    """A main guarantee of a product, printed on its certificates in ``position`` order."""

    product = models.ForeignKey(Product, verbose_name="produit", on_delete=models.CASCADE,
                                related_name="certificate_guarantees")
    label = models.CharField("garantie", max_length=120)
    limit = models.CharField("montant ou plafond", max_length=120, blank=True,
                             help_text="Tel qu'il doit figurer sur l'attestation, par exemple « 8 000 000 € par sinistre ».")
    position = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "garantie principale"
        verbose_name_plural = "garanties principales (attestations)"
        ordering = ["product", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "label"], name="product_guarantee_unique_label"),
        ]

    def __str__(self) -> str:
        return self.label


class Certificate(models.Model):
    """One certificate as issued. What it certifies is copied at issue (the holder's name, the
    policy's number and product, the guarantees are in the PDF): the public page and the list show
    what was certified, whatever changes later. ``broker`` and ``member`` are those of the policy
    at issue: who may see the row is decided on them (``portal.selectors.policy_scope_q``)."""

    broker = models.ForeignKey(Organisation, verbose_name="cabinet", on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(Member, verbose_name="sociétaire", on_delete=models.PROTECT, related_name="+")
    policy = models.ForeignKey(Policy, verbose_name="police", on_delete=models.PROTECT,
                               related_name="certificates")
    holder_name = models.CharField("raison sociale du sociétaire", max_length=120)
    policy_number = models.CharField("n° police", max_length=20)
    product_name = models.CharField("produit", max_length=120)
    period_start = models.DateField("couverture du")
    period_end = models.DateField("couverture au")
    issued_on = models.DateField("délivrée le")
    place = models.CharField("lieu", max_length=80)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="délivrée par", on_delete=models.PROTECT,
                                  related_name="+")
    verification_hash = models.CharField("empreinte du code de vérification", max_length=64, unique=True,
                                         editable=False)
    document = models.OneToOneField(StoredDocument, verbose_name="PDF", on_delete=models.PROTECT,
                                    related_name="+", editable=False)
    created_at = models.DateTimeField("créée le", auto_now_add=True)

    class Meta:
        verbose_name = "attestation d'assurance"
        verbose_name_plural = "attestations d'assurance"
        ordering = ["-created_at", "-id"]
        indexes = [
            # The list of an organisation, newest first (administrators: the whole organisation).
            models.Index(fields=["broker", "-id"], name="certificate_rows"),
        ]
        constraints = [
            models.CheckConstraint(name="certificate_period_ordered", condition=Q(period_end__gte=F("period_start"))),
        ]

    def __str__(self) -> str:
        return f"Attestation {self.policy_number} du {self.issued_on:%d/%m/%Y}"
