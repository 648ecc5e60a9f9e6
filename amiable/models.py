"""Cases of the cycle amiable: one per unpaid premium call, its letters, events and extension
request. Rows hold single-row rules and the constraints that make a duplicate impossible;
every change goes through ``amiable.services`` or the daily run in ``amiable.cycle``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Case as SqlCase
from django.db.models import F, Q, Value, When
from django.db.models.functions import Coalesce

from amiable.rules import Answer, Decision
from portal.models import Member, Organisation, Policy, PremiumCall, StoredDocument
from portal.sorting import SortKey


class Stage(models.TextChoices):
    OPEN = "open", "Rappel"
    FORMAL_NOTICE = "formal_notice", "Mise en demeure"
    SUSPENDED = "suspended", "Garanties suspendues"
    TERMINATED = "terminated", "Contentieux"
    CLOSED = "closed", "Cotisation à jour"
    REINSTATED = "reinstated", "Remise en vigueur"
    SETTLED = "settled", "Dette soldée"


ACTIVE_STAGES = (Stage.OPEN, Stage.FORMAL_NOTICE, Stage.SUSPENDED)
NOTICE_STAGES = (Stage.FORMAL_NOTICE, Stage.SUSPENDED, Stage.TERMINATED)

# The badge of the "Statut" column, by stage (CSS modifier ``badge--<colour>``).
STAGE_BADGES = {
    Stage.CLOSED: "ok", Stage.REINSTATED: "ok", Stage.SETTLED: "ok",
    Stage.FORMAL_NOTICE: "warn", Stage.SUSPENDED: "err", Stage.TERMINATED: "err",
}


class Rank(models.IntegerChoices):
    """Where a case stands in the default sort of "Gérer le cycle amiable": the rows where the
    broker can act first (answer, then read a letter), then by how far the cycle went."""

    ANSWER = 0, "Réponse attendue du courtier"
    READ_LETTER = 1, "Courrier à lire"
    OPEN = 2, "Rappel"
    FORMAL_NOTICE = 3, "Mise en demeure"
    COLLECTION = 4, "Contentieux"
    DONE = 5, "Terminé"


# The rank of a case once its response window is closed: a function of the row alone, so an
# index holds it (``case_rows_rank``) and it is never stale. The window itself depends on the
# business date: ``amiable.selectors`` puts the cases that can be answered today first.
STATUS_RANK = SqlCase(
    When(letter_unread=True, then=Value(Rank.READ_LETTER.value)),
    When(stage=Stage.OPEN, then=Value(Rank.OPEN.value)),
    When(stage__in=[Stage.FORMAL_NOTICE, Stage.SUSPENDED], then=Value(Rank.FORMAL_NOTICE.value)),
    When(stage=Stage.TERMINATED, then=Value(Rank.COLLECTION.value)),
    default=Value(Rank.DONE.value),
    output_field=models.IntegerField(),
)
# The "Date de mise en demeure" column: the date it was sent, else the date it is planned.
NOTICE_DATE = Coalesce(F("formal_notice_date"), F("formal_notice_planned"), output_field=models.DateField())
# A case that waits for the managing broker's answer (while its window is open: ``rules.can_answer``).
AWAITING_ANSWER = Q(stage=Stage.OPEN, broker_manages=True, answer="")


class Case(models.Model):
    """One unpaid premium call followed through the cycle amiable.

    Besides its own dates, a case keeps what the page "Gérer le cycle amiable" scopes, filters
    and sorts by, so that each view reads its 25 rows from one index whatever the portfolio:

    * ``broker``, ``member``, ``policy_number``, ``member_number``, ``company_name``: those of its
      policy, kept equal by database triggers (migration ``0005``) whatever changes the policy or
      the member — an import, the admin —, in the statement that changes them: who may see a
      case is decided on these columns (``portal.selectors.policy_scope_q``);
    * ``letter_date`` (its latest letter) and ``letter_unread`` (a reminder or reinstatement
      letter waits for "J'ai bien pris connaissance"), written by the statements that issue and
      acknowledge letters (``amiable.cycle``, ``amiable.services``).
    """

    premium_call = models.OneToOneField(
        PremiumCall, verbose_name="émission", on_delete=models.PROTECT, related_name="case"
    )
    # No index of its own: the (policy, stage) index starts with it.
    policy = models.ForeignKey(Policy, verbose_name="police", on_delete=models.PROTECT, related_name="cases",
                               db_index=False)
    broker_manages = models.BooleanField("courtier gestionnaire", help_text="À l'ouverture du dossier")
    # Copies of the policy's (see the docstring); indexed by the "case_rows_*" indexes.
    broker = models.ForeignKey(Organisation, verbose_name="cabinet", on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+", db_index=False, editable=False)
    member = models.ForeignKey(Member, verbose_name="sociétaire", on_delete=models.PROTECT, related_name="+",
                               editable=False)
    policy_number = models.CharField("n° police", max_length=20, editable=False)
    member_number = models.CharField("n° sociétaire", max_length=20, editable=False)
    company_name = models.CharField("raison sociale", max_length=120, editable=False)
    stage = models.CharField("étape", max_length=20, choices=Stage.choices, default=Stage.OPEN)
    opened_on = models.DateField("ouvert le")
    reminder_date = models.DateField("date du courrier de rappel")
    response_deadline = models.DateField("fin du délai de réponse")
    answer = models.CharField(
        "réponse du courtier",
        max_length=10,
        blank=True,
        choices=[(Answer.DECLINED.value, "Non"), (Answer.REQUESTED.value, "Oui — prolongation demandée")],
    )
    answered_on = models.DateField("répondu le", null=True, blank=True)
    answered_by = models.ForeignKey(  # indexed where set only (see Meta): the daily run writes NULLs
        settings.AUTH_USER_MODEL, verbose_name="répondu par", on_delete=models.PROTECT,
        null=True, blank=True, related_name="+", db_index=False,
    )
    formal_notice_planned = models.DateField("mise en demeure prévue le", null=True, blank=True)
    formal_notice_date = models.DateField("mise en demeure envoyée le", null=True, blank=True)
    suspension_date = models.DateField("suspension le", null=True, blank=True)
    termination_date = models.DateField("résiliation le", null=True, blank=True)
    closed_on = models.DateField("clos le", null=True, blank=True)
    manual_follow_up = models.BooleanField(
        "suivi manuel", default=False, help_text="Arrête les étapes automatiques du dossier."
    )
    manual_follow_up_note = models.CharField("motif du suivi manuel", max_length=300, blank=True)
    letter_date = models.DateField("date du dernier courrier", editable=False)
    letter_unread = models.BooleanField("courrier à lire", default=False, editable=False,
                                        help_text="Un rappel ou une remise en vigueur attend sa prise de connaissance.")
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "dossier amiable"
        verbose_name_plural = "dossiers amiables"
        ordering = ["-reminder_date", "-id"]
        indexes = [
            # What the daily run looks for, each index holding only the cases at that step
            # (partial: a case's row is in one of them at most, so writes stay cheap).
            models.Index(fields=["formal_notice_planned"], condition=Q(stage="open"), name="case_notice_due"),
            models.Index(fields=["suspension_date"], condition=Q(stage="formal_notice"), name="case_suspension_due"),
            models.Index(fields=["termination_date"], condition=Q(stage="suspended"), name="case_termination_due"),
            models.Index(fields=["policy", "stage"]),
            models.Index(fields=["answered_by"], condition=Q(answered_by__isnull=False), name="case_answered_by"),
            # "Gérer le cycle amiable": one index per sort, each led by the broker (the scope of its
            # administrators and collaborators), walked in order for a page's rows (backwards for a
            # descending sort) — no sort, no count of the rest. The default sort reads the cases
            # awaiting an answer from the small "case_rows_answer", then the others by rank.
            models.Index(F("broker"), STATUS_RANK, F("response_deadline"), F("letter_date").desc(), F("id"),
                         name="case_rows_rank"),
            models.Index(fields=["broker", "response_deadline", "-letter_date", "id"], condition=AWAITING_ANSWER,
                         include=["reminder_date"], name="case_rows_answer"),
            # "Actions en attente": the letters to read, by deadline, and enough to count those that
            # cannot be answered today from the index alone.
            models.Index(fields=["broker", "response_deadline", "-letter_date", "id"], condition=Q(letter_unread=True),
                         include=["reminder_date", "stage", "broker_manages", "answer"], name="case_rows_unread"),
            models.Index(fields=["broker", "policy_number", "id"], name="case_rows_policy"),
            models.Index(fields=["broker", "member_number", "id"], name="case_rows_member"),
            # The French order of names (« Électricité » among the E, whatever the collation).
            models.Index("broker", SortKey("company_name"), "company_name", "member_number", "member", "id",
                         name="case_rows_company"),
            models.Index(fields=["broker", "stage", "id"], name="case_rows_stage"),
            models.Index(fields=["broker", "letter_date", "id"], name="case_rows_letter"),
            models.Index(F("broker"), NOTICE_DATE, F("id"), name="case_rows_notice"),
        ]
        constraints = [
            models.CheckConstraint(
                name="case_answer_has_date", condition=Q(answer="") | Q(answered_on__isnull=False)
            ),
            models.CheckConstraint(
                name="case_notice_has_deadlines",
                condition=Q(formal_notice_date__isnull=True)
                | (Q(suspension_date__isnull=False) & Q(termination_date__isnull=False)),
            ),
        ]

    def __str__(self) -> str:
        return f"Dossier {self.id} — police {self.policy.number}"

    @property
    def is_active(self) -> bool:
        return self.stage in ACTIVE_STAGES

    @property
    def badge(self) -> str:
        return STAGE_BADGES.get(self.stage, "")


class EventType(models.TextChoices):
    AWAITING = "awaiting", "Attente avant relance"
    REMINDER = "reminder", "Courrier de rappel transmis"
    LETTER_READ = "letter_read", "Courrier lu par le courtier"
    DECLINED = "declined", "Mise en demeure suite refus par le courtier"
    EXTENSION_REQUESTED = "extension_requested", "Demande de prolongation"
    EXTENSION_APPROVED = "extension_approved", "Prolongation accordée"
    EXTENSION_REFUSED = "extension_refused", "Demande de prolongation refusée par L'Auxiliaire"
    FORMAL_NOTICE = "formal_notice", "Mise en demeure envoyée"
    SUSPENSION = "suspension", "Suspension des garanties"
    TERMINATION = "termination", "Résiliation pour non-paiement — transmis au contentieux"
    PAYMENT = "payment", "Paiement reçu"
    PAID = "paid", "Cotisation à jour"
    REINSTATEMENT = "reinstatement", "Courrier de remise en vigueur"
    SETTLED = "settled", "Dette soldée"
    MANUAL_ON = "manual_on", "Suivi manuel par L'Auxiliaire"
    MANUAL_OFF = "manual_off", "Reprise du suivi automatique"


class Status(models.TextChoices):
    """The words of the "Statut" column of "Gérer le cycle amiable" (and of its export and the
    API's ``status_label``); ``amiable.selectors.STATUS_RULES`` says which applies to a case."""

    MANUAL = "manual", "Suivi manuel par L'Auxiliaire"
    PAID = "paid", "Cotisation à jour"
    SETTLED = "settled", "Dette soldée"
    REINSTATED = "reinstated", "Remise en vigueur"
    TERMINATED = "terminated", "Résiliée — transmise au contentieux"
    SUSPENDED = "suspended", "Garanties suspendues"
    FORMAL_NOTICE = "formal_notice", "Mise en demeure envoyée"
    DECLINED = "declined", "Mise en demeure suite refus par le courtier"
    EXTENSION_PENDING = "extension_pending", "En attente de validation par L'Auxiliaire"
    EXTENSION_APPROVED = "extension_approved", "Prolongation accordée"
    EXTENSION_REFUSED = "extension_refused", "Demande de prolongation refusée par L'Auxiliaire"
    ANSWER = "answer", "Répondre"  # followed by " — N jour(s) restant(s)" (the business date's)
    NO_ANSWER = "no_answer", "Sans réponse — mise en demeure à venir"
    MEMBER_REMINDED = "member_reminded", "Rappel transmis au sociétaire"


class Reading(models.TextChoices):
    """Beside the status: whether the broker read the letter that asks for it."""

    UNREAD = "unread", "Rappel non lu"
    READ = "read", "Rappel lu"


class Milestone(models.TextChoices):
    """The words of the "Évènement" column: the latest step of a case."""

    REMINDER = "reminder", EventType.REMINDER.label
    ANSWER = "answer", EventType.EXTENSION_REQUESTED.label
    FORMAL_NOTICE = "formal_notice", "Mise en demeure"
    SUSPENSION = "suspension", EventType.SUSPENSION.label
    TERMINATION = "termination", "Résiliation pour non-paiement"
    PAID = "paid", EventType.PAID.label
    REINSTATEMENT = "reinstatement", EventType.REINSTATEMENT.label
    SETTLED = "settled", EventType.SETTLED.label


class Event(models.Model):
    """One step in the history of a case. ``key`` makes each step unique per case."""

    # No index of its own: the unique (case, key) index starts with it.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", db_index=False)
    type = models.CharField("type", max_length=30, choices=EventType.choices)
    key = models.CharField("clé", max_length=60)
    date = models.DateField("date")
    detail = models.CharField("détail", max_length=300, blank=True)
    amount = models.DecimalField("montant", max_digits=12, decimal_places=2, null=True, blank=True)
    actor = models.ForeignKey(  # indexed where set only (see Meta): the daily run writes NULLs
        settings.AUTH_USER_MODEL, verbose_name="par", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", db_index=False,
    )
    created_at = models.DateTimeField("enregistré le", auto_now_add=True)

    class Meta:
        verbose_name = "évènement"
        verbose_name_plural = "historique"
        ordering = ["date", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "key"], name="case_event_unique")]
        indexes = [models.Index(fields=["actor"], condition=Q(actor__isnull=False), name="event_actor")]

    def __str__(self) -> str:
        return self.get_type_display()


class LetterKind(models.TextChoices):
    REMINDER = "reminder", "Courrier de rappel"
    FORMAL_NOTICE = "formal_notice", "Mise en demeure"
    SUSPENSION = "suspension", "Courrier de suspension des garanties"
    TERMINATION = "termination", "Courrier de résiliation"
    REINSTATEMENT = "reinstatement", "Courrier de remise en vigueur"


# Letters the broker confirms having read ("J'ai bien pris connaissance", seed 000).
ACKNOWLEDGED_KINDS = (LetterKind.REMINDER, LetterKind.REINSTATEMENT)


class Letter(models.Model):
    """A letter as issued: everything it says is frozen at issue, its PDF rendered once and kept.

    Its figures (date, amount due, date of effect) and the rest of what it says — the insurer,
    the member and its address, the policy, the premium call, the case's dates, the broker, the
    recovery indemnity — are columns of this row, written by the statement that issues it
    (``amiable.cycle._letters``, set-based: typed columns cost a third of a JSON document to
    build and write on a 50 000-letter day). The PDF is rendered from this row alone
    (``amiable.letters``): a later change of the member's address, an upsert of the premium
    call or a new setting never changes a letter already issued.
    """

    # No index of its own: the unique (case, kind) and "letter_latest" indexes start with it.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="letters", db_index=False)
    kind = models.CharField("type", max_length=20, choices=LetterKind.choices)
    letter_date = models.DateField("date du courrier")
    amount_due = models.DecimalField("montant dû", max_digits=12, decimal_places=2)
    effective_date = models.DateField(
        "date d'effet", null=True, blank=True, help_text="Suspension, résiliation ou remise en vigueur"
    )
    # What the letter says, as issued (addresses: one line per line).
    insurer_name = models.CharField("assureur", max_length=120, editable=False)
    insurer_address = models.TextField("adresse de l'assureur", editable=False)
    member_number = models.CharField("n° sociétaire", max_length=20, editable=False)
    member_name = models.CharField("raison sociale", max_length=120, editable=False)
    member_address = models.TextField("adresse du sociétaire", blank=True, editable=False)
    policy_number = models.CharField("n° police", max_length=20, editable=False)
    premium_call_reference = models.CharField("émission", max_length=40, editable=False)
    premium_call_due_date = models.DateField("échéance", editable=False)
    premium_call_amount = models.DecimalField("cotisation appelée", max_digits=12, decimal_places=2, editable=False)
    broker_manages = models.BooleanField("courtier gestionnaire", editable=False)
    reminder_date = models.DateField("date du courrier de rappel", editable=False)
    formal_notice_date = models.DateField("date de la mise en demeure", null=True, editable=False)
    suspension_date = models.DateField("date de suspension", null=True, editable=False)
    termination_date = models.DateField("date de résiliation", null=True, editable=False)
    broker_orias = models.CharField("n° ORIAS du cabinet", max_length=8, blank=True, editable=False)
    broker_name = models.CharField("cabinet", max_length=120, blank=True, editable=False)
    broker_signature_name = models.CharField("nom commercial du cabinet", max_length=120, blank=True,
                                             editable=False)
    broker_address = models.TextField("adresse du cabinet", blank=True, editable=False)
    recovery_indemnity = models.DecimalField("indemnité forfaitaire de recouvrement", max_digits=12,
                                             decimal_places=2, null=True, editable=False)
    # One letter per document, unique only once rendered: new letters (NULL) touch no index of it.
    document = models.ForeignKey(
        StoredDocument, verbose_name="PDF", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        db_index=False,
    )
    acknowledged_at = models.DateTimeField("lu le", null=True, blank=True)
    acknowledged_by = models.ForeignKey(  # indexed where set only (see Meta): the daily run writes NULLs
        settings.AUTH_USER_MODEL, verbose_name="lu par", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", db_index=False,
    )
    created_at = models.DateTimeField("émis le", auto_now_add=True)

    class Meta:
        verbose_name = "courrier"
        verbose_name_plural = "courriers"
        ordering = ["letter_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "kind"], name="letter_once_per_case"),
            models.UniqueConstraint(fields=["document"], condition=Q(document__isnull=False),
                                    name="letter_document_unique"),
        ]
        indexes = [
            models.Index(fields=["document"], condition=Q(document__isnull=True), name="letter_to_render"),
            # The latest letter of a case and its unread reminder, per row of "Gérer le cycle
            # amiable" (sorted and filtered on them): one index probe each, no sort.
            models.Index(fields=["case", "-letter_date", "-id"], name="letter_latest"),
            models.Index(
                fields=["case"],
                condition=Q(acknowledged_at__isnull=True, kind__in=["reminder", "reinstatement"]),
                name="letter_unread",
            ),
            models.Index(fields=["acknowledged_by"], condition=Q(acknowledged_by__isnull=False),
                         name="letter_acknowledged_by"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} du {self.letter_date:%d/%m/%Y}"

    @property
    def needs_acknowledgement(self) -> bool:
        return self.kind in ACKNOWLEDGED_KINDS


class Reason(models.TextChoices):
    """The seven justifications of seed 000, in order (API values of SPEC §8)."""

    FINANCIAL_DIFFICULTIES = "financial_difficulties", "Difficultés financières temporaires avec demande d'étalement"
    REGULARISATION = "regularisation", "Régularisation en cours (assiettes, définitives...)"
    COMMERCIAL_DISPUTE = "commercial_dispute", "Négociation ou litige commercial"
    AWAITING_FUNDS = "awaiting_funds", "Attente de reversement des fonds à la compagnie"
    MANAGER_DEATH = "manager_death", "Décès du dirigeant"
    INSOLVENCY_PROCEEDINGS = "insolvency_proceedings", "Liquidation, redressement, procédure de sauvegarde en cours"
    OTHER = "other", "Autre motif (commentaire obligatoire)"


class ExtensionRequest(models.Model):
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="extension")
    reason = models.CharField("justification", max_length=30, choices=Reason.choices)
    comment = models.TextField("commentaire", blank=True)
    document = models.OneToOneField(
        StoredDocument, verbose_name="document", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        "statut",
        max_length=10,
        choices=[
            (Decision.PENDING.value, "En attente de validation"),
            (Decision.APPROVED.value, "Accordée"),
            (Decision.REFUSED.value, "Refusée"),
        ],
        default=Decision.PENDING.value,
    )
    requested_on = models.DateField("demandée le")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="demandée par", on_delete=models.PROTECT, related_name="+"
    )
    decided_on = models.DateField("décidée le", null=True, blank=True)
    decided_at = models.DateTimeField("décision enregistrée le", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="décidée par", on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    note = models.TextField("note de la comptabilité", blank=True)

    class Meta:
        verbose_name = "demande de prolongation"
        verbose_name_plural = "demandes de prolongation"
        ordering = ["requested_on", "id"]
        constraints = [
            models.CheckConstraint(
                name="extension_decision_complete",
                condition=Q(status="pending", decided_by__isnull=True, decided_on__isnull=True)
                | (~Q(status="pending") & Q(decided_by__isnull=False, decided_on__isnull=False)),
            ),
            models.CheckConstraint(
                name="extension_other_needs_comment", condition=~Q(reason="other") | ~Q(comment=""),
            ),
        ]

    def __str__(self) -> str:
        return f"Prolongation — police {self.case.policy.number}"


class CollectionCase(Case):
    """The contentieux: terminated cases handed over to collection (an admin list)."""

    class Meta:
        proxy = True
        verbose_name = "dossier au contentieux"
        verbose_name_plural = "contentieux"
