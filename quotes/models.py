"""Pyramide Artisan quotes (issue 13 §5): trades and the tariff grid kept by staff, quotes issued
by brokers as numbered PDFs (« DPA-2026-000123 ») kept as issued."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from portal.models import Organisation, StoredDocument

TARIFF_CLASSES = [(number, f"Classe {number}") for number in range(1, 6)]
AMOUNT = {"max_digits": 10, "decimal_places": 2, "validators": [MinValueValidator(0)]}


class Trade(models.Model):
    """A craftsman's trade the product covers, with its tariff class (1: least risky)."""

    name = models.CharField("métier", max_length=120, unique=True)
    tariff_class = models.PositiveSmallIntegerField("classe de tarif", choices=TARIFF_CLASSES)
    is_active = models.BooleanField("proposé dans les devis", default=True)

    class Meta:
        verbose_name = "métier"
        verbose_name_plural = "métiers"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tariff(models.Model):
    """A version of the grid, in effect from its date until the next one's."""

    effective_from = models.DateField("date d'effet", unique=True)
    price_per_square_metre = models.DecimalField("prix par m² de locaux", **AMOUNT)
    price_per_employee = models.DecimalField("prix par salarié", **AMOUNT)
    machinery_breakdown_price = models.DecimalField("option bris de machine", **AMOUNT)
    business_interruption_price = models.DecimalField("option pertes d'exploitation", **AMOUNT)
    legal_protection_price = models.DecimalField("option protection juridique", **AMOUNT)
    tax_rate = models.DecimalField("taux des taxes (%)", max_digits=5, decimal_places=2, default=9,
                                   validators=[MinValueValidator(0), MaxValueValidator(100)])
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "grille de tarif"
        verbose_name_plural = "grilles de tarif"
        ordering = ["-effective_from"]

    def __str__(self) -> str:
        return f"Grille au {self.effective_from:%d/%m/%Y}"


class TariffRate(models.Model):
    """A base premium: one tariff class, turnover up to a bound (the bands of a class ascend)."""

    tariff = models.ForeignKey(Tariff, verbose_name="grille", on_delete=models.CASCADE, related_name="rates")
    tariff_class = models.PositiveSmallIntegerField("classe de tarif", choices=TARIFF_CLASSES)
    turnover_up_to = models.DecimalField("chiffre d'affaires jusqu'à (inclus)", max_digits=12, decimal_places=2,
                                         validators=[MinValueValidator(0)])
    base_premium = models.DecimalField("prime de base", **AMOUNT)

    class Meta:
        verbose_name = "prime de base"
        verbose_name_plural = "primes de base"
        ordering = ["tariff", "tariff_class", "turnover_up_to"]
        constraints = [models.UniqueConstraint(fields=["tariff", "tariff_class", "turnover_up_to"],
                                               name="quotes_rate_band_unique",
                                               violation_error_message="Cette tranche existe déjà pour cette classe.")]

    def __str__(self) -> str:
        return f"Classe {self.tariff_class} jusqu'à {self.turnover_up_to} €"


class QuoteStatus(models.TextChoices):
    VALID = "valid", "valide"
    EXPIRED = "expired", "expiré"


class QuoteSequence(models.Model):
    """The last number given in a year (one row per year, locked while a number is taken)."""

    year = models.PositiveSmallIntegerField("année", primary_key=True)
    last_value = models.PositiveIntegerField("dernier numéro", default=0)

    class Meta:
        verbose_name = "numérotation des devis"

    def __str__(self) -> str:
        return f"{self.year} : {self.last_value}"


class Quote(models.Model):
    number = models.CharField("n° de devis", max_length=20, unique=True)
    year = models.PositiveSmallIntegerField("année")
    sequence = models.PositiveIntegerField("rang")
    organisation = models.ForeignKey(Organisation, verbose_name="cabinet", on_delete=models.PROTECT,
                                     related_name="quotes")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="établi par", on_delete=models.PROTECT,
                                   related_name="quotes")
    prospect_name = models.CharField("raison sociale du prospect", max_length=120)
    trade = models.ForeignKey(Trade, verbose_name="métier", on_delete=models.PROTECT, related_name="quotes")
    trade_name = models.CharField("métier (au devis)", max_length=120)
    tariff_class = models.PositiveSmallIntegerField("classe de tarif", choices=TARIFF_CLASSES)
    tariff = models.ForeignKey(Tariff, verbose_name="grille", on_delete=models.PROTECT, related_name="quotes")
    turnover = models.DecimalField("chiffre d'affaires annuel", max_digits=12, decimal_places=2)
    staff_count = models.PositiveIntegerField("effectif")
    premises_area = models.PositiveIntegerField("surface des locaux (m²)")
    machinery_breakdown = models.BooleanField("bris de machine", default=False)
    business_interruption = models.BooleanField("pertes d'exploitation", default=False)
    legal_protection = models.BooleanField("protection juridique", default=False)
    premium_excluding_tax = models.DecimalField("prime annuelle HT", max_digits=10, decimal_places=2)
    tax_amount = models.DecimalField("taxes", max_digits=10, decimal_places=2)
    premium_including_tax = models.DecimalField("prime annuelle TTC", max_digits=10, decimal_places=2)
    issued_on = models.DateField("émis le")
    valid_until = models.DateField("valable jusqu'au")
    document = models.ForeignKey(StoredDocument, verbose_name="PDF", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "devis"
        verbose_name_plural = "devis"
        ordering = ["-issued_on", "-id"]
        constraints = [models.UniqueConstraint(fields=["year", "sequence"], name="quotes_number_unique_per_year")]
        indexes = [models.Index(fields=["organisation", "-issued_on", "-id"], name="quotes_organisation_recent")]

    def __str__(self) -> str:
        return self.number

    @property
    def status_label(self) -> str:
        """The ``status`` a selector annotates (``quote_rows_for``), in words."""
        return QuoteStatus(self.status).label

    @property
    def options(self) -> list[str]:
        from quotes.rules import OPTIONS

        return [label for name, label in OPTIONS.items() if getattr(self, name)]
