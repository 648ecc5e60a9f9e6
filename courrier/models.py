"""Paper mail (seed 001 §8): envelopes (plis), their documents in order, the print-ready
visual, the history of each envelope and the postal provider's events.

Models hold single-row rules only; writes are in ``courrier.services``, scoped reads in
``courrier.selectors``, the dates in the pure ``courrier.rules``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from courrier import rules
from portal.models import Organisation, StoredDocument, postal_code_validator

# The number printed on the envelope (QR code) and shown as « # » is the id plus this offset:
# six digits from the first envelope on, never reused.
NUMBER_OFFSET = 400_000


class Mode(models.TextChoices):
    ECOPLI = rules.Mode.ECOPLI.value, "Ecopli"
    LETTRE_VERTE = rules.Mode.LETTRE_VERTE.value, "Lettre verte"
    LETTRE_SUIVIE = rules.Mode.LETTRE_SUIVIE.value, "Lettre suivie"
    RECOMMANDE = rules.Mode.RECOMMANDE.value, "Recommandé simple"
    RECOMMANDE_AR = rules.Mode.RECOMMANDE_AR.value, "Recommandé avec AR"


class Status(models.TextChoices):
    DRAFT = "draft", "Création"
    SCHEDULED = "scheduled", "Programmé"
    TRANSMITTED = "transmitted", "Transmis"
    POSTED = "posted", "Posté"
    CANCELLED = "cancelled", "Annulé"


class DeliveryStatus(models.TextChoices):
    NONE = "", "—"
    IN_TRANSIT = "in_transit", "En cours d'acheminement"
    NOTIFIED = "notified", "Avisé / non réclamé"
    DELIVERED = "delivered", "Distribué"
    RETURNED = "returned", "Retourné"


# A delivery status never moves backwards (events may arrive out of order).
DELIVERY_RANK = {DeliveryStatus.NONE: 0, DeliveryStatus.IN_TRANSIT: 1, DeliveryStatus.NOTIFIED: 2,
                 DeliveryStatus.DELIVERED: 3, DeliveryStatus.RETURNED: 3}


class RecipientSource(models.TextChoices):
    NONE = "", "À choisir"
    DOCUMENT = "document", "Adresse du premier document"
    TYPED = "typed", "Adresse saisie (page porte-adresse)"


class Envelope(models.Model):
    """A pli: documents printed, enveloped, stamped and handed to La Poste."""

    organisation = models.ForeignKey(Organisation, verbose_name="cabinet", on_delete=models.PROTECT,
                                     related_name="envelopes")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="créé par", on_delete=models.PROTECT,
                                   related_name="+")
    mode = models.CharField("mode d'envoi", max_length=20, choices=Mode.choices, default=Mode.LETTRE_VERTE)
    colour = models.BooleanField("couleur", default=True)
    duplex = models.BooleanField("recto/verso", default=True)
    staple = models.BooleanField("agrafer tout", default=False)
    recipient_source = models.CharField("adresse du destinataire", max_length=10, choices=RecipientSource.choices,
                                        blank=True)
    recipient_name = models.CharField("destinataire", max_length=38, blank=True)
    recipient_lines = models.JSONField("adresse du destinataire", default=list, blank=True)
    recipient_postal_code = models.CharField("code postal du destinataire", max_length=5, blank=True,
                                             validators=[postal_code_validator])
    recipient_city = models.CharField("ville du destinataire", max_length=32, blank=True)
    sender_name = models.CharField("expéditeur", max_length=38, blank=True)
    sender_lines = models.JSONField("adresse de l'expéditeur", default=list, blank=True)
    sender_postal_code = models.CharField("code postal de l'expéditeur", max_length=5, blank=True,
                                          validators=[postal_code_validator])
    sender_city = models.CharField("ville de l'expéditeur", max_length=32, blank=True)
    send_on = models.DateField("date d'envoi programmée", null=True, blank=True,
                               help_text="Vide : « Envoyer maintenant ».")
    status = models.CharField("état", max_length=12, choices=Status.choices, default=Status.DRAFT)
    handover_date = models.DateField("date de prise en charge par La Poste", null=True, blank=True)
    pages = models.PositiveSmallIntegerField("pages", null=True, blank=True)
    sheets = models.PositiveSmallIntegerField("feuilles", null=True, blank=True)
    price = models.DecimalField("prix TTC", max_digits=8, decimal_places=2, null=True, blank=True)
    debit_entry_id = models.BigIntegerField("écriture de débit", null=True, blank=True)
    refund_entry_id = models.BigIntegerField("écriture de remboursement", null=True, blank=True)
    print_document = models.ForeignKey(StoredDocument, verbose_name="PDF à imprimer", on_delete=models.PROTECT,
                                       null=True, blank=True, related_name="+")
    print_key = models.CharField("empreinte du visuel", max_length=64, blank=True)
    print_pages = models.PositiveSmallIntegerField("pages imprimées", null=True, blank=True)
    validated_at = models.DateTimeField("validé le", null=True, blank=True)
    transmitted_at = models.DateTimeField("transmis le", null=True, blank=True)
    posted_at = models.DateTimeField("posté le", null=True, blank=True)
    cancelled_at = models.DateTimeField("annulé le", null=True, blank=True)
    content_deleted_at = models.DateTimeField("contenu supprimé le", null=True, blank=True)
    provider = models.CharField("prestataire postal", max_length=30, blank=True)
    provider_reference = models.CharField("référence chez le prestataire", max_length=80, blank=True)
    tracking_number = models.CharField("n° de suivi La Poste", max_length=40, blank=True)
    delivery_status = models.CharField("suivi postal", max_length=12, choices=DeliveryStatus.choices, blank=True)
    delivery_status_at = models.DateTimeField("suivi postal le", null=True, blank=True)
    deposit_proof = models.ForeignKey(StoredDocument, verbose_name="preuve de dépôt", on_delete=models.PROTECT,
                                      null=True, blank=True, related_name="+")
    acknowledgement = models.ForeignKey(StoredDocument, verbose_name="accusé de réception",
                                        on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The business moment (``portal.clock``) of « Nouveau courrier papier »: retention counts from it.
    created_at = models.DateTimeField("créé le", default=timezone.now)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "courrier papier"
        verbose_name_plural = "courriers papier"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["debit_entry_id"], condition=Q(debit_entry_id__isnull=False),
                                    name="envelope_debit_unique"),
            models.UniqueConstraint(fields=["provider", "provider_reference"], condition=~Q(provider_reference=""),
                                    name="envelope_provider_reference_unique"),
            models.CheckConstraint(
                name="envelope_validated_has_price_and_date",
                condition=Q(status="draft") | Q(price__isnull=False, handover_date__isnull=False,
                                                validated_at__isnull=False),
            ),
            models.CheckConstraint(name="envelope_sheets_at_most_95",
                                   condition=Q(sheets__isnull=True) | Q(sheets__lte=rules.MAX_SHEETS)),
        ]
        indexes = [
            models.Index(fields=["organisation", "status"]),
            models.Index(fields=["handover_date"], condition=Q(status="scheduled"), name="envelope_handover_due"),
            models.Index(fields=["posted_at"], condition=Q(content_deleted_at__isnull=True, status="posted"),
                         name="envelope_content_to_purge"),
        ]

    def __str__(self) -> str:
        return f"Courrier papier #{self.number}"

    @property
    def number(self) -> str:
        return str(self.pk + NUMBER_OFFSET) if self.pk else ""

    @property
    def is_draft(self) -> bool:
        return self.status == Status.DRAFT

    @property
    def is_tracked(self) -> bool:
        return self.mode in rules.TRACKED_MODES

    @property
    def delivery_promise(self) -> str:
        return rules.DELIVERY_PROMISE[rules.Mode(self.mode)]

    @property
    def tracking_url(self) -> str:
        return rules.tracking_url(self.tracking_number) if self.tracking_number else ""

    @property
    def recipient_address_lines(self) -> list[str]:
        if not self.recipient_name:
            return []
        return [self.recipient_name, *self.recipient_lines, f"{self.recipient_postal_code} {self.recipient_city}"]

    @property
    def sender_address_lines(self) -> list[str]:
        if not self.sender_name:
            return []
        return [self.sender_name, *self.sender_lines, f"{self.sender_postal_code} {self.sender_city}"]

    @property
    def state_date(self):
        """The date shown beside the state in the list (« Programmé Le 04/11/2020 »)."""
        if self.status == Status.SCHEDULED:
            return self.handover_date
        if self.status == Status.TRANSMITTED:
            return self.transmitted_at
        if self.status == Status.POSTED:
            return self.posted_at
        if self.status == Status.CANCELLED:
            return self.cancelled_at
        return None


class DocumentKind(models.TextChoices):
    PDF = "pdf", "PDF"
    IMAGE = "image", "Image"
    OFFICE = "office", "Document bureautique"


class DocumentStatus(models.TextChoices):
    CONVERTING = "converting", "Conversion en cours"
    READY = "ready", "Prêt"
    FAILED = "failed", "Conversion impossible"


class EnvelopeDocument(models.Model):
    """One uploaded file of an envelope, in the envelope's order, with its PDF version."""

    envelope = models.ForeignKey(Envelope, on_delete=models.CASCADE, related_name="documents")
    position = models.PositiveSmallIntegerField("ordre")
    name = models.CharField("nom", max_length=200)
    kind = models.CharField("type", max_length=10, choices=DocumentKind.choices)
    status = models.CharField("état", max_length=12, choices=DocumentStatus.choices, default=DocumentStatus.READY)
    error = models.CharField("erreur", max_length=300, blank=True)
    original = models.ForeignKey(StoredDocument, verbose_name="fichier déposé", on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="+")
    pdf = models.ForeignKey(StoredDocument, verbose_name="version PDF", on_delete=models.PROTECT, null=True,
                            blank=True, related_name="+")
    pages = models.PositiveSmallIntegerField("pages", null=True, blank=True)
    # The address read in the window of page 1 (checked once, when the document is first).
    address = models.JSONField("adresse détectée", null=True, blank=True)
    address_checked = models.BooleanField("adresse recherchée", default=False)
    created_at = models.DateTimeField("ajouté le", auto_now_add=True)

    class Meta:
        verbose_name = "document du courrier"
        verbose_name_plural = "documents du courrier"
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["envelope", "position"])]

    def __str__(self) -> str:
        return self.name


class EnvelopePreview(models.Model):
    """One page image of the print-ready PDF (« visuel du courrier tel qu'il sera imprimé »)."""

    envelope = models.ForeignKey(Envelope, on_delete=models.CASCADE, related_name="previews")
    page = models.PositiveSmallIntegerField("page")
    image = models.ForeignKey(StoredDocument, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "visuel"
        verbose_name_plural = "visuels"
        ordering = ["page"]
        constraints = [models.UniqueConstraint(fields=["envelope", "page"], name="envelope_preview_page_unique")]

    def __str__(self) -> str:
        return f"Page {self.page}"


class EventType(models.TextChoices):
    CREATED = "created", "Création"
    VALIDATED = "validated", "Envoi validé"
    RESCHEDULED = "rescheduled", "Date d'envoi modifiée"
    CANCELLED = "cancelled", "Envoi annulé et remboursé"
    TRANSMITTED = "transmitted", "Transmis pour impression et remise à La Poste"
    POSTED = "posted", "Posté : pris en charge par La Poste"
    IN_TRANSIT = "in_transit", "En cours d'acheminement"
    NOTIFIED = "notified", "Avisé / non réclamé"
    DELIVERED = "delivered", "Distribué"
    RETURNED = "returned", "Retourné à l'expéditeur"
    CONTENT_DELETED = "content_deleted", "Contenu supprimé (conservation de 14 jours)"


# Events that happen once per envelope (the database refuses a second one).
ONCE_EVENTS = [EventType.CREATED, EventType.VALIDATED, EventType.CANCELLED, EventType.TRANSMITTED,
               EventType.POSTED, EventType.NOTIFIED, EventType.DELIVERED, EventType.RETURNED,
               EventType.CONTENT_DELETED]


class EnvelopeEvent(models.Model):
    """The history of an envelope, kept after its content is deleted."""

    envelope = models.ForeignKey(Envelope, on_delete=models.CASCADE, related_name="events")
    type = models.CharField("évènement", max_length=20, choices=EventType.choices)
    occurred_at = models.DateTimeField("date")
    detail = models.CharField("détail", max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="par", on_delete=models.PROTECT, null=True,
                           blank=True, related_name="+")

    class Meta:
        verbose_name = "évènement du courrier"
        verbose_name_plural = "historique des courriers"
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["envelope", "type"], condition=Q(type__in=ONCE_EVENTS),
                                    name="envelope_event_once"),
        ]

    def __str__(self) -> str:
        return self.get_type_display()


class WebhookEvent(models.Model):
    """Every postal-provider event received once (``portal.webhooks``): a duplicate delivery
    finds its row and changes nothing."""

    provider = models.CharField(max_length=30)
    event_id = models.CharField(max_length=255)  # compared whole: a longer id is refused, never cut
    event_type = models.CharField(max_length=40)
    object_reference = models.CharField(max_length=80)
    occurred_at = models.DateTimeField()
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    applied = models.BooleanField(default=True, help_text="Faux quand l'évènement arrivait après un état plus avancé.")

    class Meta:
        verbose_name = "évènement postal reçu (webhook)"
        verbose_name_plural = "évènements postaux reçus (webhooks)"
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="courrier_webhook_event_once")]

    def __str__(self) -> str:
        return f"{self.event_type} {self.object_reference}"


from courrier.sandbox.models import SandboxPostalItem, SandboxWebhookDelivery  # noqa: E402,F401  sandbox tables
