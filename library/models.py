"""The library of the products' documents (issue 13 §4): conditions générales, notices
d'information, tableaux de garanties, formulaires — each a series of versions with a date of
effect, uploaded by staff, kept as uploaded (SHA-256 on the stored document)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from portal.models import Product, StoredDocument


class DocumentKind(models.TextChoices):
    GENERAL_CONDITIONS = "conditions_generales", "Conditions générales"
    INFORMATION_NOTICE = "notice_information", "Notice d'information"
    GUARANTEE_TABLE = "tableau_garanties", "Tableau de garanties"
    FORM = "formulaire", "Formulaire"


class ProductDocument(models.Model):
    """One version of a product's document. The versions of one document (a series) share
    product, kind and title; the current one is the latest whose date of effect has come."""

    product = models.ForeignKey(Product, verbose_name="produit", on_delete=models.PROTECT,
                                related_name="library_documents")
    kind = models.CharField("type de document", max_length=30, choices=DocumentKind.choices)
    title = models.CharField("intitulé", max_length=150)
    version = models.CharField("version", max_length=30)
    effective_from = models.DateField("date d'effet")
    document = models.ForeignKey(StoredDocument, verbose_name="fichier", on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="déposé par", on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    created_at = models.DateTimeField("déposé le", auto_now_add=True)

    class Meta:
        verbose_name = "document contractuel"
        verbose_name_plural = "documents contractuels"
        ordering = ["product__name", "kind", "title", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["product", "kind", "title", "version"],
                                    name="library_document_version_unique",
                                    violation_error_message="Cette version de ce document existe déjà."),
            models.UniqueConstraint(fields=["product", "kind", "title", "effective_from"],
                                    name="library_document_effective_unique",
                                    violation_error_message="Une version de ce document prend déjà effet à "
                                                            "cette date."),
        ]
        indexes = [models.Index(fields=["product", "kind", "title", "effective_from"],
                                name="library_document_series")]

    def __str__(self) -> str:
        return f"{self.title} — version {self.version}"
