"""Platform data: organisations, users and delegation, members, policies, premium calls,
payments, stored documents and the e-mail outbox.

Models hold single-row rules only (constraints, ``clean``, small properties); every write goes
through ``portal.services`` and every scoped read through ``portal.selectors``.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from portal.formatting import format_money

orias_validator = RegexValidator(r"^\d{8}$", "Le numéro ORIAS comporte 8 chiffres.")
siren_validator = RegexValidator(r"^\d{9}$", "Le SIREN comporte 9 chiffres.")
siret_validator = RegexValidator(r"^\d{14}$", "Le SIRET comporte 14 chiffres.")
postal_code_validator = RegexValidator(r"^\d{5}$", "Le code postal comporte 5 chiffres.")


class Area(models.TextChoices):
    """The areas a delegation profile can grant (seeds 002, 003)."""

    AMIABLE = "amiable", "Cycle amiable"
    RESILIATION = "resiliation", "Résiliation"
    COURRIER = "courrier", "Courrier papier"
    BILLING = "billing", "Facturation"


class Address(models.Model):
    address_line1 = models.CharField("adresse", max_length=38, blank=True)
    address_line2 = models.CharField("complément d'adresse", max_length=38, blank=True)
    postal_code = models.CharField(
        "code postal", max_length=5, blank=True, validators=[postal_code_validator]
    )
    city = models.CharField("ville", max_length=38, blank=True)

    class Meta:
        abstract = True

    @property
    def address_lines(self) -> list[str]:
        lines = [self.address_line1, self.address_line2, f"{self.postal_code} {self.city}".strip()]
        return [line for line in lines if line]


class Organisation(Address):
    """A brokerage firm or agency (cabinet de courtage, agence), identified by its ORIAS."""

    name = models.CharField("raison sociale", max_length=120)
    trade_name = models.CharField(
        "nom commercial", max_length=120, blank=True, help_text="Nom utilisé pour signer les courriers"
    )
    orias = models.CharField("n° ORIAS", max_length=8, unique=True, validators=[orias_validator])
    siren = models.CharField("SIREN", max_length=9, blank=True, validators=[siren_validator])
    phone = models.CharField("téléphone", max_length=20, blank=True)
    mobile_phone = models.CharField("téléphone portable", max_length=20, blank=True)
    email = models.EmailField("e-mail", blank=True)
    letter_header = models.TextField("entête des lettres", blank=True)
    is_active = models.BooleanField("actif", default=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "cabinet"
        verbose_name_plural = "cabinets"
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} (ORIAS {self.orias})"

    @property
    def signature_name(self) -> str:
        return self.trade_name or self.name


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", "Administrateur"
    COLLABORATOR = "collaborator", "Collaborateur"
    ACCOUNTING = "accounting", "Comptabilité"
    SYSTEM = "system", "Système"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        if not email:
            raise ValueError("L'adresse e-mail est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("role", Role.ACCOUNTING)
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person (or the insurer's system) logging in by e-mail."""

    email = models.EmailField("adresse e-mail", unique=True)
    first_name = models.CharField("prénom", max_length=80, blank=True)
    last_name = models.CharField("nom", max_length=80, blank=True)
    phone = models.CharField("téléphone", max_length=20, blank=True)
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="cabinet",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    is_active = models.BooleanField("actif", default=True)
    is_staff = models.BooleanField("accès à l'administration", default=False)
    date_joined = models.DateTimeField("inscrit le", default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.CheckConstraint(
                name="user_intermediary_has_organisation",
                condition=~Q(role__in=["administrator", "collaborator"])
                | Q(organisation__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email

    @property
    def is_intermediary(self) -> bool:
        return self.role in (Role.ADMINISTRATOR, Role.COLLABORATOR)

    @property
    def is_org_admin(self) -> bool:
        return self.role == Role.ADMINISTRATOR

    @property
    def is_accounting(self) -> bool:
        return self.role == Role.ACCOUNTING

    @property
    def may_push_core_data(self) -> bool:
        """The insurer's system and accounting clerks may push premium calls and payments."""
        return self.is_active and self.role in (Role.SYSTEM, Role.ACCOUNTING)


class Member(Address):
    """A sociétaire: the policyholder company. It has no login."""

    member_number = models.CharField("n° sociétaire", max_length=20, unique=True)
    company_name = models.CharField("raison sociale", max_length=120)
    siren = models.CharField("SIREN", max_length=9, blank=True, validators=[siren_validator])
    siret = models.CharField("SIRET", max_length=14, blank=True, validators=[siret_validator])
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "sociétaire"
        verbose_name_plural = "sociétaires"
        ordering = ["company_name"]

    def __str__(self) -> str:
        return f"{self.company_name} ({self.member_number})"


class DelegationProfile(models.Model):
    """A delegation of part of an organisation's portfolio and of some areas (seed 003)."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="cabinet", on_delete=models.CASCADE, related_name="profiles"
    )
    name = models.CharField("nom du profil", max_length=80)
    area_amiable = models.BooleanField("cycle amiable", default=False)
    area_resiliation = models.BooleanField("résiliation", default=False)
    area_courrier = models.BooleanField("courrier papier", default=False)
    area_billing = models.BooleanField("facturation", default=False)
    members = models.ManyToManyField(
        Member, verbose_name="sociétaires délégués", blank=True, related_name="delegations"
    )
    collaborators = models.ManyToManyField(
        User, verbose_name="collaborateurs", blank=True, related_name="delegation_profiles"
    )

    class Meta:
        verbose_name = "profil de délégation"
        verbose_name_plural = "profils de délégation"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="profile_name_unique")
        ]

    def __str__(self) -> str:
        return self.name

    def areas(self) -> set[str]:
        return {area.value for area in Area if getattr(self, f"area_{area.value}")}


class Contact(models.Model):
    """A person to write to, at a member or at an organisation."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, null=True, blank=True, related_name="contacts"
    )
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="contacts"
    )
    name = models.CharField("nom", max_length=120, blank=True)
    email = models.EmailField("e-mail")
    phone = models.CharField("téléphone", max_length=20, blank=True)
    is_accounting = models.BooleanField(
        "interlocuteur comptable",
        default=False,
        help_text="Seuls les interlocuteurs comptables reçoivent les e-mails du cycle amiable.",
    )

    class Meta:
        verbose_name = "interlocuteur"
        verbose_name_plural = "interlocuteurs"
        constraints = [
            models.CheckConstraint(
                name="contact_exactly_one_owner",
                condition=(Q(member__isnull=False) & Q(organisation__isnull=True))
                | (Q(member__isnull=True) & Q(organisation__isnull=False)),
            ),
            models.UniqueConstraint(fields=["member", "email"], name="contact_member_email_unique"),
            models.UniqueConstraint(
                fields=["organisation", "email"], name="contact_organisation_email_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


class PolicyStatus(models.TextChoices):
    ACTIVE = "active", "En vigueur"
    SUSPENDED = "suspended", "Garanties suspendues"
    TERMINATED = "terminated", "Résiliée pour non-paiement"


class Policy(models.Model):
    number = models.CharField("n° police", max_length=20, unique=True)
    member = models.ForeignKey(
        Member, verbose_name="sociétaire", on_delete=models.PROTECT, related_name="policies"
    )
    broker = models.ForeignKey(
        Organisation,
        verbose_name="cabinet",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="policies",
    )
    broker_manages = models.BooleanField("courtier gestionnaire", default=False)
    status = models.CharField(
        "état", max_length=20, choices=PolicyStatus.choices, default=PolicyStatus.ACTIVE
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    class Meta:
        verbose_name = "police"
        verbose_name_plural = "polices"
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                name="policy_managing_broker_exists",
                condition=Q(broker_manages=False) | Q(broker__isnull=False),
            )
        ]
        indexes = [models.Index(fields=["broker", "member"])]

    def __str__(self) -> str:
        return self.number


class PremiumCall(models.Model):
    """An émission: a premium called on a policy, due on ``due_date``."""

    reference = models.CharField("référence", max_length=40, unique=True)
    policy = models.ForeignKey(
        Policy, verbose_name="police", on_delete=models.PROTECT, related_name="premium_calls"
    )
    due_date = models.DateField("échéance")
    amount = models.DecimalField("montant", max_digits=12, decimal_places=2)
    # Sum of the payments, kept by ``payments_import`` in the same transaction as the inserts.
    paid_amount = models.DecimalField(
        "montant réglé", max_digits=12, decimal_places=2, default=Decimal("0.00")
    )
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    class Meta:
        verbose_name = "émission"
        verbose_name_plural = "émissions"
        ordering = ["-due_date", "reference"]
        constraints = [
            models.CheckConstraint(name="premium_call_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(
                name="premium_call_paid_not_negative", condition=Q(paid_amount__gte=0)
            ),
        ]
        indexes = [models.Index(fields=["due_date"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def outstanding(self) -> Decimal:
        return max(self.amount - self.paid_amount, Decimal("0.00"))

    @staticmethod
    def outstanding_expression():
        return F("amount") - F("paid_amount")


class Payment(models.Model):
    premium_call = models.ForeignKey(
        PremiumCall, verbose_name="émission", on_delete=models.PROTECT, related_name="payments"
    )
    amount = models.DecimalField("montant", max_digits=12, decimal_places=2)
    paid_on = models.DateField("reçu le")
    reference = models.CharField(
        "référence du paiement",
        max_length=40,
        help_text="Identifiant du paiement chez L'Auxiliaire, obligatoire et unique : un même paiement "
        "envoyé deux fois n'est compté qu'une fois. Les paiements enregistrés sans référence avant "
        "qu'elle ne devienne obligatoire portent « SANS-REF-<n° d'enregistrement> ».",
    )
    created_at = models.DateTimeField("enregistré le", auto_now_add=True)

    class Meta:
        verbose_name = "paiement"
        verbose_name_plural = "paiements"
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.CheckConstraint(name="payment_amount_positive", condition=Q(amount__gt=0)),
            models.CheckConstraint(name="payment_reference_not_empty", condition=~Q(reference="")),
            models.UniqueConstraint(fields=["reference"], name="payment_reference_unique"),
        ]

    def __str__(self) -> str:
        return f"{format_money(self.amount)} le {self.paid_on:%d/%m/%Y}"


class StoredDocument(models.Model):
    """A file kept as issued or uploaded, with its SHA-256; served only through views that
    check who may see the row that references it."""

    file = models.FileField("fichier", upload_to="documents/%Y/%m/")
    original_name = models.CharField("nom", max_length=255)
    content_type = models.CharField("type", max_length=100)
    size = models.PositiveBigIntegerField("taille")
    sha256 = models.CharField("SHA-256", max_length=64)
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "document"
        verbose_name_plural = "documents"

    def __str__(self) -> str:
        return self.original_name


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "À envoyer"
    SENDING = "sending", "En cours d'envoi"
    SENT = "sent", "Envoyé"
    FAILED = "failed", "Échec définitif"


class PersonalLink(models.TextChoices):
    """A secret link made for one user (it lets whoever holds it act as them): it is never
    stored; the outbox writes it into the e-mail only when sending (``portal.notifications``)."""

    PASSWORD_RESET = "password_reset", "réinitialisation du mot de passe"


class OutboxMessage(models.Model):
    """An e-mail written in the same transaction as the business change that causes it.

    A message with a ``personal_link`` holds a placeholder where the link goes: the link is
    made for ``personal_link_user`` when the message is sent, and stored nowhere."""

    key = models.CharField("clé d'unicité", max_length=200, unique=True)
    to = models.EmailField("destinataire")
    subject = models.CharField("objet", max_length=200)
    body_text = models.TextField("texte")
    body_html = models.TextField("HTML", blank=True)
    personal_link = models.CharField("lien personnel", max_length=30, choices=PersonalLink.choices, blank=True)
    personal_link_user = models.ForeignKey(
        "User", verbose_name="lien personnel de", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
    )
    status = models.CharField(
        "état", max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField("tentatives", default=0)
    last_error = models.TextField("dernière erreur", blank=True)
    claimed_at = models.DateTimeField("pris en charge le", null=True, blank=True)
    next_attempt_at = models.DateTimeField("prochaine tentative", null=True, blank=True)
    provider_message_id = models.CharField("identifiant fournisseur", max_length=200, blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)

    class Meta:
        verbose_name = "e-mail (boîte d'envoi)"
        verbose_name_plural = "e-mails (boîte d'envoi)"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"


class DigestItem(models.Model):
    """One piece of news, gathered into one e-mail per recipient and day.

    It is addressed to an e-mail address, or to a party — an organisation or a member — whose
    accounting contacts are looked up when the digest goes out: a business step writes one
    row per party, however many contacts it has. News about many policies at once (the day's
    formal notices, say) is one row listing them, addressed to each policy's broker
    organisation or member (``fan_out``): the parties, their contacts and one line per policy
    are found when the digest goes out.
    """

    class FanOut(models.TextChoices):
        BROKER = "broker", "au cabinet de chaque police"
        MEMBER = "member", "au sociétaire de chaque police"

    key = models.CharField("clé d'unicité", max_length=200)
    recipient = models.EmailField("destinataire", blank=True)
    organisation = models.ForeignKey(
        Organisation, verbose_name="cabinet", on_delete=models.CASCADE, null=True, blank=True, db_index=False,
        related_name="+",
    )
    member = models.ForeignKey(
        Member, verbose_name="sociétaire", on_delete=models.CASCADE, null=True, blank=True, db_index=False,
        related_name="+",
    )
    audience = models.CharField("public", max_length=20, default="partner")
    kind = models.CharField("type", max_length=40)
    text = models.CharField("texte", max_length=300)
    link = models.CharField("lien", max_length=300, blank=True)
    fan_out = models.CharField("pour chaque police, à", max_length=10, blank=True, choices=FanOut.choices)
    policies = models.JSONField("polices (identifiants)", default=list, blank=True)
    business_date = models.DateField("date")
    digested_on = models.DateField("envoyée dans le résumé du", null=True, blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "nouvelle à résumer"
        verbose_name_plural = "nouvelles à résumer"
        # Written by the ten thousand on a busy day: only the indexes that serve a read.
        constraints = [
            models.UniqueConstraint(fields=["key"], name="digest_item_key_unique"),
            models.CheckConstraint(
                name="digest_item_one_addressee",
                condition=(~models.Q(recipient="") & models.Q(organisation__isnull=True, member__isnull=True, fan_out=""))
                | (models.Q(recipient="", organisation__isnull=False, member__isnull=True, fan_out=""))
                | (models.Q(recipient="", organisation__isnull=True, member__isnull=False, fan_out=""))
                | (models.Q(recipient="", organisation__isnull=True, member__isnull=True) & ~models.Q(fan_out="")),
            ),
        ]
        indexes = [
            models.Index(fields=["business_date"], condition=models.Q(digested_on__isnull=True),
                         name="digest_item_pending"),
        ]

    def __str__(self) -> str:
        return self.text
