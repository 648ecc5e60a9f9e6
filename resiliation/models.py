"""Termination letters (seed 001 §5–7): the insurer directory, letters and their contracts,
mandates, ORIAS certificates, e-signature requests, provider webhooks and identity checks."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from portal.models import Organisation, StoredDocument, postal_code_validator, siret_validator
from resiliation import rules
from resiliation.rules import dates


class InsurerKind(models.TextChoices):
    COMPANY = rules.InsurerKind.COMPANY.value, "Entreprise d'assurance (Code des assurances)"
    MUTUAL = rules.InsurerKind.MUTUAL.value, "Mutuelle (Code de la mutualité)"
    PROVIDENT = rules.InsurerKind.PROVIDENT.value, "Institution de prévoyance (Code de la sécurité sociale)"

# A provider's reference of an object (letter, signature, identity check), and the longest event
# id a webhook may carry: longer ones are refused, never cut.
REFERENCE_MAX = 80
EVENT_ID_MAX = 255


class Insurer(models.Model):
    """An insurer of the directory, with the address its termination letters go to."""

    name = models.CharField("nom", max_length=120, unique=True)
    address_line1 = models.CharField("adresse", max_length=120)
    address_line2 = models.CharField("complément d'adresse", max_length=120, blank=True)
    postal_code = models.CharField("code postal", max_length=5, validators=[postal_code_validator])
    city = models.CharField("ville", max_length=60)
    email = models.EmailField("e-mail du service résiliation", blank=True)
    is_identified = models.BooleanField(
        "identifié eIDAS", default=False, help_text="Destinataire identifié de manière forte (LRE qualifiée)."
    )
    kind = models.CharField("nature", max_length=10, choices=InsurerKind.choices, default=InsurerKind.COMPANY,
                            help_text="Le code qui régit l'assureur : les lettres citent ses articles.")
    is_active = models.BooleanField("actif", default=True)

    class Meta:
        verbose_name = "assureur"
        verbose_name_plural = "assureurs"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def address_lines(self) -> list[str]:
        return [line for line in (self.address_line1, self.address_line2, f"{self.postal_code} {self.city}") if line]


class InsurerRequestStatus(models.TextChoices):
    RECEIVED = "received", "Reçue"
    DONE = "done", "Traitée"


class InsurerRequest(models.Model):
    """« Demander l'ajout d'une compagnie »: handled by the insurer's staff in the admin."""

    organisation = models.ForeignKey(Organisation, verbose_name="cabinet", on_delete=models.CASCADE)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="demandé par", on_delete=models.PROTECT)
    name = models.CharField("compagnie", max_length=120)
    address = models.TextField("adresse connue", blank=True)
    comment = models.TextField("commentaire", blank=True)
    status = models.CharField("état", max_length=10, choices=InsurerRequestStatus.choices,
                              default=InsurerRequestStatus.RECEIVED)
    created_at = models.DateTimeField("demandée le", auto_now_add=True)

    class Meta:
        verbose_name = "demande d'ajout de compagnie"
        verbose_name_plural = "demandes d'ajout de compagnie"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class OriasCertificate(models.Model):
    """The organisation's ORIAS registration certificate, needed to send in its own name."""

    organisation = models.ForeignKey(Organisation, verbose_name="cabinet", on_delete=models.CASCADE,
                                     related_name="orias_certificates")
    document = models.ForeignKey(StoredDocument, verbose_name="attestation", on_delete=models.PROTECT)
    valid_until = models.DateField("valable jusqu'au")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("déposée le", auto_now_add=True)

    class Meta:
        verbose_name = "attestation ORIAS"
        verbose_name_plural = "attestations ORIAS"
        ordering = ["-valid_until"]

    def __str__(self) -> str:
        return f"Attestation ORIAS valable jusqu'au {self.valid_until:%d/%m/%Y}"


class Civility(models.TextChoices):
    MR = "M", "Monsieur"
    MRS = "MME", "Madame"


class LetterStatus(models.TextChoices):
    DRAFT = "draft", "Non envoyée"
    AWAITING_SIGNATURE = "awaiting_signature", "Signature du mandat à initier"
    SCHEDULED = "scheduled", "Envoi programmé"
    HELD = "held", "Envoi suspendu : nouvelle date à choisir"
    IN_TRANSIT = "in_transit", "En cours d'acheminement"
    DEPOSITED = "deposited", "Déposée"
    SIGNED = "signed", "Signée"
    COLLECTED = "collected", "Relevée"
    RESENT = "resent", "Non relevée par le destinataire puis retransmise"
    CANCELLED = "cancelled", "Non envoyée suite à annulation"
    SIGNATURE_EXPIRED = "signature_expired", "Non envoyée / Délai de signature dépassé"


SENT_STATUSES = (LetterStatus.IN_TRANSIT, LetterStatus.DEPOSITED, LetterStatus.SIGNED, LetterStatus.COLLECTED,
                 LetterStatus.RESENT)
PLANNED_STATUSES = (LetterStatus.AWAITING_SIGNATURE, LetterStatus.SCHEDULED, LetterStatus.HELD)
# Progress of a sent letter: a webhook never moves a letter backwards (out-of-order events).
STATUS_RANK = {LetterStatus.IN_TRANSIT: 1, LetterStatus.DEPOSITED: 2, LetterStatus.RESENT: 3,
               LetterStatus.SIGNED: 4, LetterStatus.COLLECTED: 4}


MANDATE_SIGNED_REFUSAL = ("Le mandat a été signé électroniquement par le souscripteur : l'envoi ne peut plus être "
                          "annulé ni modifié.")


class SenderMode(models.TextChoices):
    AGENCY = rules.SenderMode.AGENCY.value, "Au nom de l'agence"
    PLATFORM = rules.SenderMode.PLATFORM.value, "Au nom de la plateforme"


class MandateChoice(models.TextChoices):
    NONE = "", "Pas encore choisi"
    SCAN = "scan", "Mandat signé de manière manuscrite"
    OWN = "own", "Mon propre mandat signé"
    ESIGN = "esign", "Signature électronique du mandat"
    ESIGN_OWN = "esign_own", "Signature électronique de mon propre mandat"
    NOT_ATTACHED = "not_attached", "Mandat non joint"


class TerminationLetter(models.Model):
    organisation = models.ForeignKey(Organisation, verbose_name="cabinet", on_delete=models.PROTECT,
                                     related_name="termination_letters")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    managed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="géré par", on_delete=models.PROTECT,
                                   related_name="managed_termination_letters")
    # Le souscripteur
    civility = models.CharField("civilité", max_length=3, choices=Civility.choices, default=Civility.MR)
    last_name = models.CharField("nom", max_length=80)
    first_name = models.CharField("prénom", max_length=80)
    company_name = models.CharField("société et statut", max_length=120, blank=True)
    siret = models.CharField("n° SIRET", max_length=14, blank=True, validators=[siret_validator])
    address_line1 = models.CharField("n° et rue", max_length=120)
    address_line2 = models.CharField("complément d'adresse", max_length=120, blank=True)
    postal_code = models.CharField("code postal", max_length=5, validators=[postal_code_validator])
    city = models.CharField("ville", max_length=60)
    email = models.EmailField("e-mail")
    mobile_phone = models.CharField("téléphone portable", max_length=20, blank=True)
    own_reference = models.CharField("votre référence pour ce client", max_length=60, blank=True)
    co_civility = models.CharField("civilité du co-souscripteur", max_length=3, choices=Civility.choices, blank=True)
    co_last_name = models.CharField("nom du co-souscripteur", max_length=80, blank=True)
    co_first_name = models.CharField("prénom du co-souscripteur", max_length=80, blank=True)
    # L'assureur and the letter
    insurer = models.ForeignKey(Insurer, verbose_name="destinataire", on_delete=models.PROTECT, null=True,
                                blank=True, related_name="+")
    free_text = models.TextField("texte ajouté à la lettre", blank=True, max_length=3000)
    old_manager_email = models.EmailField("e-mail de l'ancien gérant du contrat", blank=True)
    old_manager_informed_at = models.DateTimeField(null=True, blank=True)
    # Sending
    sender_mode = models.CharField("émetteur du courrier", max_length=10, choices=SenderMode.choices,
                                   default=SenderMode.AGENCY)
    mandate_choice = models.CharField("mandat", max_length=15, choices=MandateChoice.choices, blank=True)
    mandate_document = models.ForeignKey(StoredDocument, on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="+")
    with_acknowledgement = models.BooleanField("avec accusé de réception", default=False)
    new_contract_start = models.DateField("date de prise d'effet", null=True, blank=True)
    send_date = models.DateField("date d'envoi", null=True, blank=True)
    status = models.CharField("suivi", max_length=20, choices=LetterStatus.choices, default=LetterStatus.DRAFT)
    # « Envoi suspendu »: the sending job found the letter could no longer leave as planned.
    held_reason = models.TextField("motif de la suspension", blank=True)
    held_at = models.DateTimeField("suspendue le", null=True, blank=True)
    mandate_signed_at = models.DateTimeField("mandat signé électroniquement le", null=True, blank=True)
    qualified = models.BooleanField("LRE qualifiée eIDAS", default=False)
    debit_entry_id = models.BigIntegerField("écriture de débit", null=True, blank=True)
    refund_entry_id = models.BigIntegerField("écriture de remboursement", null=True, blank=True)
    # Recorded at hand-over: the provider's name and its reference (webhooks match both).
    registered_mail_provider = models.CharField("prestataire LRE", max_length=30, blank=True)
    provider_reference = models.CharField("référence LRE", max_length=REFERENCE_MAX, blank=True)
    sent_document = models.ForeignKey(StoredDocument, on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="+")
    deposit_notice = models.ForeignKey(StoredDocument, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+")
    acknowledgement = models.ForeignKey(StoredDocument, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+")
    confirmed_at = models.DateTimeField("validée le", null=True, blank=True)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)
    deposited_at = models.DateTimeField("déposée le", null=True, blank=True)
    received_at = models.DateTimeField("reçue le", null=True, blank=True)
    cancelled_at = models.DateTimeField("annulée le", null=True, blank=True)
    trashed_at = models.DateTimeField("mise à la corbeille le", null=True, blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    class Meta:
        verbose_name = "lettre de résiliation"
        verbose_name_plural = "lettres de résiliation"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["registered_mail_provider", "provider_reference"],
                                    condition=~Q(provider_reference=""), name="letter_provider_reference_unique"),
            models.UniqueConstraint(fields=["debit_entry_id"], condition=Q(debit_entry_id__isnull=False),
                                    name="letter_debit_unique"),
            models.CheckConstraint(name="letter_platform_with_ar",
                                   condition=~Q(sender_mode="platform") | Q(with_acknowledgement=True)
                                   | Q(status="draft")),
        ]
        indexes = [models.Index(fields=["organisation", "status"]), models.Index(fields=["status", "send_date"])]

    def __str__(self) -> str:
        return f"Lettre n° {self.id}"

    @property
    def subscriber_name(self) -> str:
        return f"{self.last_name} {self.first_name}".strip()

    @property
    def subscriber_display(self) -> str:
        return f"{self.get_civility_display()} {self.last_name} {self.first_name}".strip()

    @property
    def co_subscriber_display(self) -> str:
        if not self.co_last_name:
            return ""
        return f"{self.get_co_civility_display()} {self.co_last_name} {self.co_first_name}".strip()

    @property
    def address_lines(self) -> list[str]:
        return [line for line in (self.address_line1, self.address_line2, f"{self.postal_code} {self.city}") if line]

    @property
    def is_editable(self) -> bool:
        return self.status == LetterStatus.DRAFT

    @property
    def kind_label(self) -> str:
        if self.status == LetterStatus.DRAFT:
            return "Lettre en création"
        return "Lettre complète (Recommandé avec AR)" if self.with_acknowledgement else \
            "Lettre complète (Recommandé simple)"

    def cancel_refusal(self, *, today) -> str | None:
        """Why « Annuler l'envoi » is refused (French), or None: a sending waiting for its
        e-signature, held, or scheduled until the eve of its date — never once the mandate is
        e-signed (seed 001 §5.6a)."""
        if self.status in (LetterStatus.AWAITING_SIGNATURE, LetterStatus.HELD):
            return None
        if self.status == LetterStatus.SCHEDULED:
            if self.mandate_signed_at:
                return MANDATE_SIGNED_REFUSAL
            if self.send_date and self.send_date > today:
                return None
            return "Cet envoi ne peut plus être annulé (au plus tard la veille de l'envoi)."
        return "Cet envoi ne peut plus être annulé."

    def reschedule_refusal(self, *, today) -> str | None:
        """Why « Modifier la date d'envoi » is refused (French), or None: a held sending, or a
        scheduled one until the eve of its date unless its mandate is e-signed."""
        if self.status == LetterStatus.HELD:
            return None
        if self.status == LetterStatus.SCHEDULED:
            if self.mandate_signed_at:
                return MANDATE_SIGNED_REFUSAL
            if self.send_date and self.send_date > today:
                return None
            return "La date d'envoi ne peut plus être modifiée (au plus tard la veille de l'envoi)."
        return "La date d'envoi ne peut plus être modifiée."

    @property
    def tracking_label(self) -> str:
        if self.status == LetterStatus.HELD and self.send_date:
            return f"Envoi suspendu (prévu le {self.send_date:%d/%m/%Y}) : nouvelle date à choisir"
        if self.status == LetterStatus.SCHEDULED and self.send_date:
            return f"Envoi programmé ({self.send_date:%d/%m/%Y})"
        if self.status == LetterStatus.AWAITING_SIGNATURE and self.send_date:
            return f"Signature du mandat à initier avant le {self.send_date:%d/%m/%Y} à 20h00"
        return self.get_status_display()


class LetterContract(models.Model):
    letter = models.ForeignKey(TerminationLetter, on_delete=models.CASCADE, related_name="contracts")
    contract_type = models.CharField("type de contrat", max_length=30,
                                     choices=[(t.code, t.label) for t in rules.CONTRACT_TYPES])
    custom_type = models.CharField("type de contrat (autre)", max_length=80, blank=True)
    reference = models.CharField("référence du contrat", max_length=60)
    registration = models.CharField("immatriculation", max_length=20, blank=True)
    insured_address = models.CharField("adresse du bien assuré", max_length=200, blank=True)
    main_due_date = models.DateField("échéance principale", null=True, blank=True)
    new_insurer = models.CharField("nouvel assureur ou organisme", max_length=120, blank=True)
    new_reference = models.CharField("nouvelle référence de contrat ou d'offre", max_length=60, blank=True)
    reason = models.CharField("motif de résiliation", max_length=30,
                              choices=[(r.code, r.label) for r in rules.REASONS])
    custom_reason = models.CharField("motif personnalisé", max_length=200, blank=True)
    notice_date = models.DateField("date d'envoi de l'avis d'échéance", null=True, blank=True)
    event_date = models.DateField("date de l'évènement", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "contrat à résilier"
        verbose_name_plural = "contrats à résilier"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.type_label} : {self.reference}"

    @property
    def type_label(self) -> str:
        if self.contract_type == rules.OTHER_TYPE and self.custom_type:
            return f"Autre type ({self.custom_type})"
        return self.get_contract_type_display()

    @property
    def legal_dates(self) -> dates.ContractDates:
        """What the legal date engine needs of this contract."""
        return dates.ContractDates(reason=self.reason, label=f"{self.type_label} n° {self.reference}",
                                       main_due_date=self.main_due_date, notice_date=self.notice_date,
                                       event_date=self.event_date)

    @property
    def reason_label(self) -> str:
        return self.custom_reason if self.reason == "custom" and self.custom_reason else self.get_reason_display()


class LetterAttachment(models.Model):
    """« Pièces à joindre au destinataire »."""

    letter = models.ForeignKey(TerminationLetter, on_delete=models.CASCADE, related_name="attachments")
    document = models.ForeignKey(StoredDocument, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "pièce jointe"
        verbose_name_plural = "pièces jointes"
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.document)


class SignatureStatus(models.TextChoices):
    PENDING = "pending", "En attente de signature"
    OPENED = "opened", "Ouverte par le souscripteur"
    SIGNED = "signed", "Signée"
    REFUSED = "refused", "Refusée"
    EXPIRED = "expired", "Délai de signature dépassé"
    CANCELLED = "cancelled", "Annulée"


SIGNATURE_FINAL = (SignatureStatus.SIGNED, SignatureStatus.REFUSED, SignatureStatus.EXPIRED,
                   SignatureStatus.CANCELLED)


class SignatureMode(models.TextChoices):
    REMOTE = "remote", "À distance"
    IN_PERSON = "in_person", "En présentiel"


class SignatureRequest(models.Model):
    """The e-signature of a letter's mandate by the souscripteur, at a provider."""

    letter = models.ForeignKey(TerminationLetter, on_delete=models.CASCADE, related_name="signature_requests")
    provider = models.CharField("prestataire", max_length=30)
    provider_reference = models.CharField("référence", max_length=REFERENCE_MAX, unique=True)
    mode = models.CharField("mode", max_length=10, choices=SignatureMode.choices)
    email = models.EmailField("e-mail du signataire")
    mobile_phone = models.CharField("mobile du signataire", max_length=20)
    status = models.CharField("état", max_length=10, choices=SignatureStatus.choices,
                              default=SignatureStatus.PENDING)
    expires_at = models.DateTimeField("à signer avant le")
    signing_url = models.URLField("lien de signature", max_length=500, blank=True)
    signed_at = models.DateTimeField("signée le", null=True, blank=True)
    signed_document = models.ForeignKey(StoredDocument, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "signature électronique"
        verbose_name_plural = "signatures électroniques"
        constraints = [
            models.UniqueConstraint(fields=["letter"], condition=Q(status__in=["pending", "opened"]),
                                    name="one_open_signature_per_letter"),
        ]

    def __str__(self) -> str:
        return f"Signature {self.provider_reference}"


class WebhookEvent(models.Model):
    """Every provider event received once: a duplicate delivery finds its row and stops. Ids
    are stored and compared whole."""

    provider = models.CharField(max_length=30)
    event_id = models.CharField(max_length=EVENT_ID_MAX)
    event_type = models.CharField(max_length=40)
    object_reference = models.CharField(max_length=REFERENCE_MAX)
    occurred_at = models.DateTimeField()
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    applied = models.BooleanField(default=True, help_text="Faux quand l'évènement arrivait après un état plus avancé.")

    class Meta:
        verbose_name = "évènement reçu (webhook)"
        verbose_name_plural = "évènements reçus (webhooks)"
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_once")]

    def __str__(self) -> str:
        return f"{self.event_type} {self.object_reference}"


class IdentityStatus(models.TextChoices):
    PENDING = "pending", "Vérification en cours"
    VERIFIED = "verified", "Identité vérifiée"
    FAILED = "failed", "Vérification échouée"


class IdentityVerification(models.Model):
    """Strong (eIDAS) identification of an account holder, done once (seed 001 §7)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identity_checks")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    mobile_phone = models.CharField("téléphone portable", max_length=20)
    email = models.EmailField("adresse e-mail")
    status = models.CharField("état", max_length=10, choices=IdentityStatus.choices, default=IdentityStatus.PENDING)
    provider = models.CharField("prestataire", max_length=30)
    provider_reference = models.CharField("référence", max_length=REFERENCE_MAX, blank=True)
    verification_url = models.URLField("lien de vérification", max_length=500, blank=True)
    # The SMS code of the sandbox operator only (shown on its page); real operators keep theirs.
    code = models.CharField("code", max_length=8, blank=True)
    debit_entry_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    verified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "vérification d'identité eIDAS"
        verbose_name_plural = "vérifications d'identité eIDAS"
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(status__in=["pending", "verified"]),
                                    name="one_live_identity_check_per_user"),
            models.UniqueConstraint(fields=["provider", "provider_reference"], condition=~Q(provider_reference=""),
                                    name="identity_provider_reference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_status_display()}"


from resiliation.sandbox.models import (  # noqa: E402,F401  the sandbox providers' own tables
    SandboxRegisteredMail,
    SandboxSignature,
    SandboxWebhookDelivery,
)
