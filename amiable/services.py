"""What brokers and accounting clerks do on a case (SPEC §4). Validate, then do, atomically.

Each write re-checks its precondition in a conditional UPDATE, so two clicks (or a click and
the daily run) cannot both succeed; a refused action changes nothing and says why in French.
"""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse

from amiable import rules
from amiable.models import (
    ACKNOWLEDGED_KINDS,
    Case,
    Event,
    EventType,
    ExtensionRequest,
    Letter,
    Reason,
    Stage,
)
from portal import notifications, pdf, uploads
from portal.businessdays import BusinessCalendar
from portal.errors import ApplicationError, PermissionDeniedError
from portal.formatting import format_date
from portal.models import Area, Role, User
from portal.selectors import user_has_area

EXTENSION_DOCUMENT_TYPES = {**uploads.PDF, **uploads.EXCEL}


def check_broker_may_act(*, user: User, case: Case) -> None:
    """Only the broker's own people act on a case: its administrators, and collaborators with
    the cycle amiable area on a delegated member (the case was already found through their scope)."""
    if user.role not in (Role.ADMINISTRATOR, Role.COLLABORATOR) or case.policy.broker_id != user.organisation_id:
        raise PermissionDeniedError("Seul le cabinet en charge de la police peut répondre.")
    if not user_has_area(user=user, area=Area.AMIABLE):
        raise PermissionDeniedError("Le cycle amiable ne fait pas partie de vos habilitations.")


def check_accounting(*, user: User) -> None:
    if not (user.is_accounting or user.is_superuser):
        raise PermissionDeniedError("Seule la comptabilité de L'Auxiliaire décide des prolongations.")


def check_answer(*, case: Case, today: date) -> None:
    if case.stage != Stage.OPEN:
        raise ApplicationError("Ce dossier est clos ou a dépassé l'étape du rappel : plus de réponse possible.",
                               field="requested")
    if not case.broker_manages:
        raise ApplicationError(
            "Vous n'êtes pas courtier gestionnaire de cette police : aucune prolongation ne peut être demandée.",
            field="requested",
        )
    if case.answer:
        raise ApplicationError(f"Une réponse a déjà été donnée le {format_date(case.answered_on)}.",
                               field="requested")
    if not rules.can_answer(reminder_date=case.reminder_date, window_end=case.response_deadline, today=today):
        raise ApplicationError(
            f"Le délai de réponse est dépassé : il se terminait le {format_date(case.response_deadline)}.",
            field="requested",
        )


def check_extension_request(*, reason: str, comment: str) -> None:
    if reason not in Reason.values:
        raise ApplicationError("Sélectionnez une justification.", field="reason")
    if reason == Reason.OTHER and not comment.strip():
        raise ApplicationError("Le commentaire est obligatoire pour « Autre motif ».", field="comment")


def case_answer(
    *,
    case: Case,
    by: User,
    requested: bool,
    today: date,
    calendar: BusinessCalendar,
    reason: str = "",
    comment: str = "",
    document: UploadedFile | None = None,
) -> Case:
    """The managing broker's answer to "Demander une prolongation de 25 jours (ouvrés)".

    Non: the formal notice is planned at J+1 ouvré. Oui: an extension request goes to
    accounting and the formal notice is held while it is pending.
    """
    check_broker_may_act(user=by, case=case)
    check_answer(case=case, today=today)
    comment = comment.strip()
    checked = None
    if requested:
        check_extension_request(reason=reason, comment=comment)
        if document is not None:
            checked = uploads.check_upload(document, allowed=EXTENSION_DOCUMENT_TYPES)

    with transaction.atomic():
        answer = rules.Answer.REQUESTED if requested else rules.Answer.DECLINED
        planned = rules.formal_notice_date(
            window_end=case.response_deadline, calendar=calendar, answer=answer, answered_on=today
        )
        claimed = Case.objects.filter(id=case.id, stage=Stage.OPEN, answer="").update(
            answer=answer, answered_on=today, answered_by=by, formal_notice_planned=planned
        )
        if not claimed:
            raise ApplicationError("Une réponse a déjà été donnée pour ce dossier.", field="requested")
        if requested:
            stored = (
                pdf.document_store(content=checked.content, name=checked.name, content_type=checked.content_type)
                if checked
                else None
            )
            ExtensionRequest.objects.create(
                case=case, reason=reason, comment=comment, document=stored, requested_on=today, requested_by=by
            )
            _event(case, EventType.EXTENSION_REQUESTED, today, by, detail=Reason(reason).label)
        else:
            _event(case, EventType.DECLINED, today, by,
                   detail=f"Mise en demeure prévue le {format_date(planned)}")
    case.refresh_from_db()
    return case


def letter_acknowledge(*, letter: Letter, by: User, now: datetime) -> Letter:
    """ "J'ai bien pris connaissance du courrier pour le compte de mon cabinet de courtage"."""
    check_broker_may_act(user=by, case=letter.case)
    if letter.kind not in ACKNOWLEDGED_KINDS:
        raise ApplicationError("Ce courrier n'appelle pas de prise de connaissance.")
    with transaction.atomic():
        done = Letter.objects.filter(id=letter.id, acknowledged_at__isnull=True).update(
            acknowledged_at=now, acknowledged_by=by
        )
        if not done:
            letter.refresh_from_db()
            raise ApplicationError(
                f"Vous avez déjà pris connaissance de ce courrier le {letter.acknowledged_at:%d/%m/%Y}."
            )
        # The case's "a letter waits to be read" (what the page sorts and filters on), from its letters.
        Case.objects.filter(id=letter.case_id).update(letter_unread=Exists(Letter.objects.filter(
            case=OuterRef("pk"), kind__in=ACKNOWLEDGED_KINDS, acknowledged_at__isnull=True)))
        _event(letter.case, EventType.LETTER_READ, now.date(), by, key=f"read:{letter.kind}",
               detail=f"{letter.get_kind_display()} lu pour le compte de {by.organisation.name}")
    letter.refresh_from_db()
    return letter


def extension_decide(
    *,
    extension: ExtensionRequest,
    by: User,
    approved: bool,
    note: str,
    today: date,
    now: datetime,
    calendar: BusinessCalendar,
) -> ExtensionRequest:
    """Accounting's decision; the formal notice date follows from the rules. Audited."""
    check_accounting(user=by)
    if extension.status != rules.Decision.PENDING:
        raise ApplicationError(
            f"Cette demande a déjà été {'accordée' if extension.status == 'approved' else 'refusée'} "
            f"le {format_date(extension.decided_on)}.",
            field="approved",
        )
    case = extension.case
    if case.stage != Stage.OPEN:
        raise ApplicationError("Le dossier est clos : la demande n'a plus d'objet.", field="approved")
    decision = rules.Decision.APPROVED if approved else rules.Decision.REFUSED
    planned = rules.formal_notice_date(
        window_end=case.response_deadline, calendar=calendar, answer=rules.Answer.REQUESTED,
        decision=decision, decided_on=today,
    )
    with transaction.atomic():
        done = ExtensionRequest.objects.filter(id=extension.id, status=rules.Decision.PENDING).update(
            status=decision, decided_on=today, decided_at=now, decided_by=by, note=note.strip()
        )
        if not done:
            raise ApplicationError("Cette demande a déjà été traitée.", field="approved")
        Case.objects.filter(id=case.id, stage=Stage.OPEN).update(formal_notice_planned=planned)
        kind = EventType.EXTENSION_APPROVED if approved else EventType.EXTENSION_REFUSED
        _event(case, kind, today, by, detail=f"Mise en demeure prévue le {format_date(planned)}")
        notifications.digest_items_add(news=[
            notifications.DigestNews(
                key=f"amiable:decision:{case.id}:o",
                organisation_id=case.policy.broker_id,
                kind="amiable_decision",
                text=(f"Police {case.policy.number} — {case.policy.member.company_name} : demande de prolongation "
                      f"{'accordée' if approved else 'refusée'}, mise en demeure prévue le {format_date(planned)}"),
                link=f"{reverse('amiable:cases')}?{urlencode({'police': case.policy.number})}",
                business_date=today,
            )
        ])
    extension.refresh_from_db()
    return extension


def case_manual_follow_up(*, case: Case, by: User, enabled: bool, note: str, today: date) -> Case:
    """A clerk takes a case out of (or back into) the automatic steps."""
    if not (by.is_accounting or by.is_superuser):
        raise PermissionDeniedError("Seule la comptabilité de L'Auxiliaire met un dossier en suivi manuel.")
    if enabled and not note.strip():
        raise ApplicationError("Indiquez le motif du suivi manuel.", field="note")
    with transaction.atomic():
        done = Case.objects.filter(id=case.id, manual_follow_up=not enabled).update(
            manual_follow_up=enabled, manual_follow_up_note=note.strip() if enabled else ""
        )
        if not done:
            raise ApplicationError("Le dossier est déjà " + ("en suivi manuel." if enabled else "en suivi automatique."))
        count = Event.objects.filter(case=case, type__in=[EventType.MANUAL_ON, EventType.MANUAL_OFF]).count()
        _event(case, EventType.MANUAL_ON if enabled else EventType.MANUAL_OFF, today, by,
               key=f"manual:{count + 1}", detail=note.strip())
    case.refresh_from_db()
    return case


def _event(case: Case, kind: EventType, day: date, by: User | None, *, key: str | None = None,
           detail: str = "") -> Event:
    return Event.objects.create(case=case, type=kind, key=key or kind.value, date=day, actor=by, detail=detail[:300])
