"""Platform data: organisations, users and delegation, members, policies, premium calls,
payments, stored documents and the e-mail outbox.

Models hold single-row rules only (constraints, ``clean``, small properties); every write goes
through ``portal.services`` and every scoped read through ``portal.selectors``.
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Case as CaseWhen
from django.db.models import F, Q, Value, When
from django.db.models.functions import Lower, Substr
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
    # The other tiles of the broker space (seed 000's home page).
    ACTIVITY = "activity", "Suivi d'activité"
    CERTIFICATES = "certificates", "Attestations clients"
    COMMISSIONS = "commissions", "Commissions"
    QUOTES = "quotes", "Devis Pyramide Artisan"


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


class Affiliation(models.TextChoices):
    """The sign-up form's « Affiliation » (seed 001 §2): the intermediary's ORIAS category."""

    NONE = "none", "Pas d'affiliation"
    BROKER = "broker", "Courtier d'assurance"
    GENERAL_AGENT = "general_agent", "Agent général d'assurance"
    INSURANCE_AGENT = "insurance_agent", "Mandataire d'assurance"
    INTERMEDIARY_AGENT = "intermediary_agent", "Mandataire d'intermédiaire d'assurance"


def orias_display(orias: str | None) -> str:
    """An ORIAS number as shown to people: « 0700 0001 »."""
    return f"{orias[:4]} {orias[4:]}" if orias else ""


class Organisation(Address):
    """A brokerage firm or agency (cabinet de courtage, agence), identified by its ORIAS number
    when it has one: an intermediary may sign up without (« Continuer sans ORIAS ») and cannot
    send in its agency's name until one is on file."""

    name = models.CharField("raison sociale", max_length=120)
    trade_name = models.CharField(
        "nom commercial", max_length=120, blank=True, help_text="Nom utilisé pour signer les courriers"
    )
    orias = models.CharField("n° ORIAS", max_length=8, unique=True, null=True, blank=True,
                             validators=[orias_validator])
    affiliation = models.CharField("affiliation", max_length=20, choices=Affiliation.choices,
                                   default=Affiliation.NONE)
    siren = models.CharField("SIREN", max_length=9, blank=True, validators=[siren_validator])
    phone = models.CharField("téléphone", max_length=20, blank=True)
    mobile_phone = models.CharField("téléphone portable", max_length=20, blank=True)
    email = models.EmailField("e-mail", blank=True)
    letter_header = models.TextField(
        "ajouts à l'entête des lettres", blank=True,
        help_text="Une ligne par ajout, dans l'ordre (« Entête des lettres » dans Mon compte).",
    )
    is_active = models.BooleanField("actif", default=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "cabinet"
        verbose_name_plural = "cabinets"
        ordering = ["name"]
        constraints = [
            # Unique when set (NULLs never collide); never an empty string standing for "none".
            models.CheckConstraint(name="organisation_orias_null_or_set", condition=~Q(orias="")),
        ]

    def __str__(self) -> str:
        return f"{self.name} (ORIAS {self.orias})" if self.orias else f"{self.name} (sans ORIAS)"

    @property
    def signature_name(self) -> str:
        return self.trade_name or self.name

    @property
    def orias_display(self) -> str:
        return orias_display(self.orias)

    @property
    def letterhead_extra_lines(self) -> list[str]:
        """The lines the organisation added to its letter header, in order."""
        return [line for line in self.letter_header.splitlines() if line.strip()]

    @property
    def letterhead(self) -> dict:
        """The header of every letter the organisation sends (seed 001 §9.5): its trade name, its
        address, its ORIAS number when on file, then the lines it added."""
        return {"name": self.signature_name, "address_lines": self.address_lines,
                "orias": self.orias_display, "extra_lines": self.letterhead_extra_lines,
                "lines": [*self.address_lines, *self.letterhead_extra_lines]}


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
    mobile_phone = models.CharField("téléphone portable", max_length=20, blank=True)
    # For a broker's or agent's user, ``role`` and ``organisation`` are those of their default
    # membership (``Membership``): the one a new session and their user-level API token act
    # for. Each request acts for one membership, chosen by the person ("Changer de compte
    # entreprise"): ``portal.memberships`` sets these attributes in memory from it, so that
    # every reader of ``user.organisation`` and ``user.role`` sees the current organisation.
    # Accounting and the system have no membership: their role is the user's own.
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="cabinet par défaut",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    is_active = models.BooleanField("actif", default=True)
    is_staff = models.BooleanField("accès à l'administration", default=False)
    date_joined = models.DateTimeField("inscrit le", default=timezone.now)
    activated_at = models.DateTimeField(
        "activé le", null=True, blank=True,
        help_text="Vide tant que la personne n'a pas suivi son lien d'activation ou d'invitation : "
        "elle ne peut pas se connecter.",
    )
    pending_email = models.EmailField(
        "nouvelle adresse à confirmer", blank=True,
        help_text="L'adresse ne remplace l'actuelle qu'une fois confirmée par le lien qui lui est envoyé.",
    )
    terms_accepted_at = models.DateTimeField("CGU et CGV acceptées le", null=True, blank=True)

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


def departement_expression():
    """The département of a French postal code: its first two digits, three overseas (971…988),
    2A / 2B for Corsica (20000–20199 / 20200–20999); empty without a postal code."""
    return CaseWhen(
        When(postal_code="", then=Value("")),
        When(Q(postal_code__startswith="97") | Q(postal_code__startswith="98"), then=Substr("postal_code", 1, 3)),
        When(Q(postal_code__startswith="200") | Q(postal_code__startswith="201"), then=Value("2A")),
        When(postal_code__startswith="20", then=Value("2B")),
        default=Substr("postal_code", 1, 2),
    )


class Member(Address):
    """A sociétaire: the policyholder company. It has no login."""

    member_number = models.CharField("n° sociétaire", max_length=20, unique=True)
    company_name = models.CharField("raison sociale", max_length=120)
    siren = models.CharField("SIREN", max_length=9, blank=True, validators=[siren_validator])
    siret = models.CharField("SIRET", max_length=14, blank=True, validators=[siret_validator])
    # Read by the delegations « par département » (seed 003): computed by the database.
    departement = models.GeneratedField(
        verbose_name="département", expression=departement_expression(),
        output_field=models.CharField(max_length=3), db_persist=True,
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "sociétaire"
        verbose_name_plural = "sociétaires"
        ordering = ["company_name"]
        indexes = [models.Index(fields=["departement"], name="member_departement")]

    def __str__(self) -> str:
        return f"{self.company_name} ({self.member_number})"


class DelegationProfile(models.Model):
    """A delegation of part of an organisation's portfolio and of some areas (seed 003): named,
    given to any number of the organisation's collaborators (their memberships). The portfolio
    part is a list of sociétaires and/or départements (``DelegationDepartement``)."""

    organisation = models.ForeignKey(
        Organisation, verbose_name="cabinet", on_delete=models.CASCADE, related_name="profiles"
    )
    name = models.CharField("nom du profil", max_length=80)
    area_amiable = models.BooleanField("cycle amiable", default=False)
    area_resiliation = models.BooleanField("résiliation", default=False)
    area_courrier = models.BooleanField("courrier papier", default=False)
    area_billing = models.BooleanField("facturation", default=False)
    area_activity = models.BooleanField("suivi d'activité", default=False)
    area_certificates = models.BooleanField("attestations clients", default=False)
    area_commissions = models.BooleanField("commissions", default=False)
    area_quotes = models.BooleanField("devis Pyramide Artisan", default=False)
    members = models.ManyToManyField(
        Member, verbose_name="sociétaires délégués", blank=True, related_name="delegations"
    )
    collaborators = models.ManyToManyField(
        "Membership", verbose_name="collaborateurs", blank=True, related_name="delegation_profiles"
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


product_code_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9_-]{0,29}$",
    "Le code produit comporte 1 à 30 caractères : lettres minuscules sans accent, chiffres, - ou _.",
)


class Product(models.Model):
    """A contract the insurer sells through its brokers (Pyramide Artisan, multirisque…): kept
    by staff in the admin, named by its code in the premium-call import (``product``)."""

    code = models.CharField("code", max_length=30, unique=True, validators=[product_code_validator])
    name = models.CharField("nom", max_length=120)
    is_active = models.BooleanField("commercialisé", default=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "produit"
        verbose_name_plural = "produits"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Policy(models.Model):
    number = models.CharField("n° police", max_length=20, unique=True)
    product = models.ForeignKey(
        Product, verbose_name="produit", on_delete=models.PROTECT, null=True, blank=True, related_name="policies"
    )
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
    ACCOUNT_ACTIVATION = "account_activation", "activation du compte"
    INVITATION = "invitation", "invitation d'un utilisateur"
    EMAIL_CHANGE = "email_change", "confirmation de la nouvelle adresse e-mail"


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


# ---- accounts ----
# Memberships (one per person and organisation), delegation by département, the audit of
# account changes and the API tokens bound to a membership (issue 10 §1–5).

departement_validator = RegexValidator(
    r"^(0[1-9]|1\d|[3-8]\d|9[0-5]|2[1-9]|2A|2B|97[1-8]|98[0-8])$",
    "Département inconnu : deux chiffres (01 à 95), 2A, 2B ou trois chiffres outre-mer (971…).",
)


class Membership(models.Model):
    """A person's place in one organisation: their role there and, for a collaborator, the
    delegation profiles that say what they may do (``DelegationProfile.collaborators``). One
    login, any number of memberships; deactivated, never deleted (the history keeps the name).

    An organisation that has an active administrator always keeps one: the services check it
    under a lock of the organisation, and a database trigger refuses any UPDATE that would
    leave it without (migration ``portal.0006``)."""

    ROLES = (Role.ADMINISTRATOR, Role.COLLABORATOR)

    user = models.ForeignKey(User, verbose_name="utilisateur", on_delete=models.CASCADE,
                             related_name="memberships")
    organisation = models.ForeignKey(Organisation, verbose_name="cabinet", on_delete=models.PROTECT,
                                     related_name="memberships")
    role = models.CharField("rôle", max_length=20, choices=[(role.value, role.label) for role in ROLES])
    is_active = models.BooleanField("actif", default=True)
    invited_by = models.ForeignKey(User, verbose_name="invité par", on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "accès à un cabinet"
        verbose_name_plural = "accès aux cabinets"
        ordering = ["organisation__name", "user__email"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_user_organisation_unique"),
            models.CheckConstraint(name="membership_role_valid",
                                   condition=Q(role__in=["administrator", "collaborator"])),
        ]
        indexes = [models.Index(fields=["organisation", "role", "is_active"], name="membership_org_role")]

    def __str__(self) -> str:
        return f"{self.user} — {self.organisation.signature_name} ({self.get_role_display()})"

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMINISTRATOR


class DelegationDepartement(models.Model):
    """A département whose sociétaires a delegation profile covers (seed 003 « par département »)."""

    profile = models.ForeignKey(DelegationProfile, verbose_name="profil", on_delete=models.CASCADE,
                                related_name="departements")
    code = models.CharField("département", max_length=3, validators=[departement_validator])

    class Meta:
        verbose_name = "département délégué"
        verbose_name_plural = "départements délégués"
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["profile", "code"], name="delegation_departement_unique")]

    def __str__(self) -> str:
        return self.code


class AuditAction(models.TextChoices):
    SIGNUP = "signup", "Inscription"
    INVITE = "invite", "Invitation d'un utilisateur"
    MEMBERSHIP_ADD = "membership_add", "Ajout d'un accès"
    ROLE_CHANGE = "role_change", "Changement de rôle"
    PROFILES_CHANGE = "profiles_change", "Changement des profils de délégation"
    DEACTIVATE = "deactivate", "Désactivation"
    REACTIVATE = "reactivate", "Réactivation"
    PROFILE_CREATE = "profile_create", "Création d'un profil de délégation"
    PROFILE_UPDATE = "profile_update", "Modification d'un profil de délégation"
    LETTERHEAD_CHANGE = "letterhead_change", "Modification de l'entête des lettres"
    DETAILS_CHANGE = "details_change", "Modification des coordonnées"
    EMAIL_CHANGE = "email_change", "Changement d'adresse e-mail"


class AccountAudit(models.Model):
    """Who changed what of an organisation's users, rights and details, when, before and after.
    Written by the services in the transaction of the change; never changed afterwards."""

    organisation = models.ForeignKey(Organisation, verbose_name="cabinet", on_delete=models.PROTECT,
                                     related_name="audit_entries")
    at = models.DateTimeField("le", default=timezone.now)
    actor = models.ForeignKey(User, verbose_name="par", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")
    actor_label = models.CharField("par (nom)", max_length=200)
    action = models.CharField("action", max_length=30, choices=AuditAction.choices)
    subject = models.CharField("concerne", max_length=200, blank=True)
    before = models.JSONField("avant", default=dict, blank=True)
    after = models.JSONField("après", default=dict, blank=True)

    class Meta:
        verbose_name = "journal des modifications du compte"
        verbose_name_plural = "journal des modifications des comptes"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["organisation", "-at"], name="account_audit_org_at")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} — {self.subject}"


class ApiToken(models.Model):
    """An API key that acts for one membership, i.e. one organisation (``Authorization: Token …``).
    Only its SHA-256 is stored: the key is shown once, when issued."""

    key_hash = models.CharField("empreinte de la clé", max_length=64, unique=True)
    prefix = models.CharField("début de la clé", max_length=8)
    membership = models.ForeignKey(Membership, verbose_name="accès", on_delete=models.CASCADE,
                                   related_name="api_tokens")
    created_at = models.DateTimeField("créé le", auto_now_add=True)

    class Meta:
        verbose_name = "jeton d'API d'un cabinet"
        verbose_name_plural = "jetons d'API des cabinets"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.membership})"


# ---- help ----
# Help requests (Aide → « Demande d'aide », « Suivi des demandes »), the FAQ and the footer's
# pages (SPEC §7). Writes: ``portal.help``; reads: ``portal.help_selectors``.

FILE_NUMBER_MIN = 1_000_000  # a dossier n° has 7 digits, never a leading zero
FILE_NUMBER_MAX = 9_999_999


class HelpSubject(models.TextChoices):
    """« Objet de la demande ». The values are those of the links that open a prefilled
    request (``/aide/demande/?sujet=ajout_espace``)."""

    ACCOUNT = "compte", "Compte et coordonnées"
    RESILIATION = "resiliation", "Résiliation"
    PAPER_MAIL = "courrier", "Courrier papier"
    CREDITS = "credits", "Crédits et factures"
    AMIABLE = "amiable", "Cycle amiable"
    CONTRACT_TYPE = "ajout_type_contrat", "Ajout d'un type de contrat"
    SPACE = "ajout_espace", "Ajout d'un espace"
    OTHER = "autre", "Autre"


class HelpStatus(models.TextChoices):
    RECEIVED = "received", "Demande reçue"
    AWAITING_USER = "awaiting_user", "En attente de votre retour"
    CLOSED = "closed", "Demande close"


class HelpRequest(models.Model):
    """A « demande d'aide » of a broker's user, identified by its 7-digit dossier n°.

    Never deleted (the admin offers no delete, organisations and users are protected): a
    dossier n° is never given twice."""

    file_number = models.PositiveIntegerField("dossier n°", unique=True)
    organisation = models.ForeignKey(
        Organisation, verbose_name="cabinet", on_delete=models.PROTECT, related_name="help_requests"
    )
    requester = models.ForeignKey(
        User, verbose_name="émise par", on_delete=models.PROTECT, related_name="help_requests"
    )
    subject = models.CharField("objet", max_length=30, choices=HelpSubject.choices)
    title = models.CharField("précision", max_length=120, blank=True)
    # The letter, envelope or case concerned: a reference checked by the app that registered
    # its kind (``portal.help.concern_kind_register``), its label kept as it was then.
    concern_kind = models.CharField("type de l'élément concerné", max_length=40, blank=True)
    concern_id = models.PositiveBigIntegerField("identifiant de l'élément concerné", null=True, blank=True)
    concern_label = models.CharField("élément concerné", max_length=200, blank=True)
    status = models.CharField("statut", max_length=20, choices=HelpStatus.choices, default=HelpStatus.RECEIVED)
    assigned_to = models.ForeignKey(
        User, verbose_name="attribuée à", on_delete=models.PROTECT, null=True, blank=True,
        related_name="assigned_help_requests",
    )
    created_at = models.DateTimeField("émise le")
    last_activity_at = models.DateTimeField("dernier message le")

    class Meta:
        verbose_name = "demande d'aide"
        verbose_name_plural = "demandes d'aide"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="help_request_file_number_7_digits",
                condition=Q(file_number__gte=FILE_NUMBER_MIN, file_number__lte=FILE_NUMBER_MAX),
            ),
            models.CheckConstraint(
                name="help_request_concern_complete",
                condition=Q(concern_kind="", concern_id__isnull=True)
                | (~Q(concern_kind="") & Q(concern_id__isnull=False)),
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "-created_at"], name="help_request_org_recent"),
            models.Index(fields=["requester", "-created_at"], name="help_request_requester_recent"),
            models.Index(fields=["status", "subject"], name="help_request_queue"),
        ]

    def __str__(self) -> str:
        return f"Dossier n° {self.file_number}"

    @property
    def object_label(self) -> str:
        label = self.get_subject_display()
        return f"{label} — {self.title}" if self.title else label


class HelpMessageKind(models.TextChoices):
    USER = "user", "Message du demandeur"
    ANSWER = "answer", "Réponse du conseiller"
    NOTE = "note", "Note interne"


# What the requester's organisation may read: never the internal notes.
HELP_PUBLIC_KINDS = (HelpMessageKind.USER, HelpMessageKind.ANSWER)


class HelpMessage(models.Model):
    """One message of the conversation; an internal note is for staff only."""

    help_request = models.ForeignKey(
        HelpRequest, verbose_name="demande", on_delete=models.PROTECT, related_name="messages"
    )
    kind = models.CharField("type", max_length=10, choices=HelpMessageKind.choices)
    author = models.ForeignKey(User, verbose_name="auteur", on_delete=models.PROTECT, related_name="+")
    body = models.TextField("message")
    # The status the request took with this message, if it changed it.
    status = models.CharField("nouveau statut", max_length=20, choices=HelpStatus.choices, blank=True)
    created_at = models.DateTimeField("écrit le")

    class Meta:
        verbose_name = "message de demande d'aide"
        verbose_name_plural = "messages de demande d'aide"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["help_request", "kind"], name="help_message_request_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} du {self.created_at:%d/%m/%Y}"


class HelpAttachment(models.Model):
    message = models.ForeignKey(
        HelpMessage, verbose_name="message", on_delete=models.PROTECT, related_name="attachments"
    )
    document = models.ForeignKey(StoredDocument, verbose_name="document", on_delete=models.PROTECT,
                                 related_name="+")

    class Meta:
        verbose_name = "pièce jointe"
        verbose_name_plural = "pièces jointes"
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.document)


class FaqCategory(models.Model):
    name = models.CharField("rubrique", max_length=120, unique=True)
    position = models.PositiveSmallIntegerField("ordre", default=0)

    class Meta:
        verbose_name = "rubrique de la FAQ"
        verbose_name_plural = "rubriques de la FAQ"
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class FaqEntry(models.Model):
    """A « Questions fréquentes » entry; its answer is Markdown (rendered sanitised)."""

    category = models.ForeignKey(FaqCategory, verbose_name="rubrique", on_delete=models.PROTECT,
                                 related_name="entries")
    question = models.CharField("question", max_length=250)
    answer = models.TextField("réponse", help_text="Markdown : **gras**, listes « - », liens [texte](adresse).")
    position = models.PositiveSmallIntegerField("ordre", default=0)
    is_published = models.BooleanField("publiée", default=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    class Meta:
        verbose_name = "question fréquente"
        verbose_name_plural = "questions fréquentes"
        ordering = ["category__position", "category__name", "position", "id"]

    def __str__(self) -> str:
        return self.question


class SitePage(models.Model):
    """A public page of the footer (Documentation utilisateur, Démos, Conditions d'utilisation,
    Politique de confidentialité, Mentions légales), edited by staff in Markdown."""

    slug = models.SlugField("adresse", max_length=60, unique=True)
    title = models.CharField("titre", max_length=120)
    body = models.TextField("contenu")
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    class Meta:
        verbose_name = "page du pied de page"
        verbose_name_plural = "pages du pied de page"
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class NewsItem(models.Model):
    """« Découvrez les nouveautés de votre espace » (seed 000, issue 13 §6): a short news item
    written by staff, shown on the home page and the news page from its start date to its end
    date included (the business date, SPEC §3), once published."""

    title = models.CharField("titre", max_length=120)
    body = models.TextField("texte", help_text="Markdown : **gras**, listes « - », liens [texte](adresse).")
    starts_on = models.DateField("affichée à partir du")
    ends_on = models.DateField("affichée jusqu'au", help_text="Inclus : la nouveauté disparaît le lendemain.")
    is_published = models.BooleanField("publiée", default=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    updated_at = models.DateTimeField("modifiée le", auto_now=True)

    class Meta:
        verbose_name = "nouveauté"
        verbose_name_plural = "nouveautés"
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(name="news_item_ends_after_start", condition=Q(ends_on__gte=F("starts_on"))),
        ]
        indexes = [models.Index(fields=["ends_on", "starts_on"], condition=Q(is_published=True),
                                name="news_item_current")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "La date de fin précède la date de début."})
