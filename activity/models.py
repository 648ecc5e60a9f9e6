"""The figures of « Suivre votre activité » (issue 13 §1): a snapshot of SQL aggregates, one row
per broker, client and month (or product), refreshed set-based by ``activity.services``.

Each figure exists twice: per client (``member`` set: what a collaborator's delegation and the
client filter add up) and for the whole organisation (``member`` empty: what its administrator
reads). A page then sums a few dozen rows from one index, whatever the portfolio — the
20 000-policy broker's page reads as many rows as the 100-policy one's.
"""

from __future__ import annotations

from django.db import models

from portal.models import Member, Organisation, Product


class MonthlyFigure(models.Model):
    """Premiums called and collected on the calls due in ``month``, and cover suspended or
    terminated in ``month``. A month may have two rows (premiums, cycle amiable): pages sum them."""

    broker = models.ForeignKey(Organisation, verbose_name="cabinet", on_delete=models.CASCADE, related_name="+",
                               db_index=False)
    member = models.ForeignKey(Member, verbose_name="sociétaire", on_delete=models.CASCADE, null=True,
                               blank=True, related_name="+", db_index=False,
                               help_text="Vide : tout le portefeuille du cabinet.")
    month = models.DateField("mois")  # its first day
    called = models.DecimalField("cotisations appelées", max_digits=14, decimal_places=2, default=0)
    collected = models.DecimalField("cotisations encaissées", max_digits=14, decimal_places=2, default=0)
    suspensions = models.PositiveIntegerField("suspensions", default=0)
    terminations = models.PositiveIntegerField("résiliations", default=0)

    class Meta:
        verbose_name = "chiffre mensuel"
        verbose_name_plural = "chiffres mensuels"
        indexes = [models.Index(fields=["broker", "member", "month"], name="activity_month_rows")]

    def __str__(self) -> str:
        return f"{self.month:%m/%Y}"


class ProductFigure(models.Model):
    """Policies in force by product (``product`` empty: policies without one)."""

    broker = models.ForeignKey(Organisation, verbose_name="cabinet", on_delete=models.CASCADE, related_name="+",
                               db_index=False)
    member = models.ForeignKey(Member, verbose_name="sociétaire", on_delete=models.CASCADE, null=True,
                               blank=True, related_name="+", db_index=False,
                               help_text="Vide : tout le portefeuille du cabinet.")
    product = models.ForeignKey(Product, verbose_name="produit", on_delete=models.CASCADE, null=True, blank=True,
                                related_name="+", db_index=False)
    policies = models.PositiveIntegerField("polices en vigueur", default=0)

    class Meta:
        verbose_name = "polices par produit"
        verbose_name_plural = "polices par produit"
        indexes = [models.Index(fields=["broker", "member", "product"], name="activity_product_rows")]

    def __str__(self) -> str:
        return f"{self.policies} police(s)"


class Snapshot(models.Model):
    """When the figures were last computed (one row: the latest refresh)."""

    computed_at = models.DateTimeField("calculés le")
    business_date = models.DateField("date métier")
    first_month = models.DateField("premier mois")
    last_month = models.DateField("dernier mois")

    class Meta:
        verbose_name = "calcul des chiffres"
        verbose_name_plural = "calculs des chiffres"
        ordering = ["-computed_at"]

    def __str__(self) -> str:
        return f"Chiffres au {self.business_date:%d/%m/%Y}"
