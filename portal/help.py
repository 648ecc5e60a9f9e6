"""Help requests (SPEC §7, seeds 001 §10 and 002): writes, and the registry of the rows a
request may concern.

* A broker's user sends a request (subject, message, attachments checked on content, optionally
  the letter, envelope or case concerned); it gets a unique 7-digit dossier n° and the status
  « reçue ». The user's replies reopen it (« reçue » again, whatever its status).
* Staff answer in the admin (the requester and the organisation's administrators get an e-mail
  through the outbox), write internal notes (never shown to users nor e-mailed), assign a clerk,
  set the status: « en attente de votre retour » when a document is expected, « close ».
* ``portal`` names no business app: an app registers the kind of rows a request may concern
  (``concern_kind_register``, from its ``AppConfig.ready``) with the function that lists the rows a
  user may see; a request keeps the reference (kind, id) and the row's label as it was.

Validate-then-do: every ``check_*`` runs before the first write; a bad input changes nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from portal import clock, notifications, uploads
from portal.errors import ApplicationError, PermissionDeniedError
from portal.models import (
    FILE_NUMBER_MAX,
    FILE_NUMBER_MIN,
    HelpAttachment,
    HelpMessage,
    HelpMessageKind,
    HelpRequest,
    HelpStatus,
    HelpSubject,
    Role,
    User,
)
from portal.pdf import document_store

# PDF, images and office documents (Word, Excel, PowerPoint, LibreOffice), as libmagic names them.
ATTACHMENT_TYPES = {
    **uploads.PDF,
    **uploads.IMAGES,
    **uploads.EXCEL,
    "application/msword": "Word",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word",
    "application/vnd.ms-powerpoint": "PowerPoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PowerPoint",
    "application/vnd.oasis.opendocument.text": "LibreOffice",
    "application/vnd.oasis.opendocument.spreadsheet": "LibreOffice",
    "application/vnd.oasis.opendocument.presentation": "LibreOffice",
}
MAX_ATTACHMENTS = 5
MESSAGE_MAX_LENGTH = 5000
TITLE_MAX_LENGTH = HelpRequest._meta.get_field("title").max_length
FILE_NUMBER_ATTEMPTS = 20
# What each status means for the user, shown beside it (seed 002: « Ma demande n'a pas été traitée
# mais son statut est « close ». Pourquoi ? » — here the status says it: « en attente de votre retour »).
STATUS_EXPLANATIONS = {
    HelpStatus.RECEIVED: "Votre demande est en cours de traitement : nous vous répondrons dans les meilleurs délais.",
    HelpStatus.AWAITING_USER: (
        "Nous attendons un justificatif de votre part pour traiter votre demande. Le dernier message de votre "
        "conseiller, qui vous a aussi été envoyé par e-mail, précise lequel : répondez ci-dessous en le joignant, "
        "votre demande repassera alors au statut « reçue »."
    ),
    HelpStatus.CLOSED: (
        "Votre demande est close. Vous pouvez encore nous écrire ci-dessous : elle sera rouverte."
    ),
}


# ------------------------------------------------------------------------ concerned rows


@dataclass(frozen=True)
class ConcernKind:
    """A kind of row a help request may concern, registered by the app that owns it.

    ``rows(user)`` returns the rows ``user`` may see, most recent first (a QuerySet: the portal
    filters it by id to check a reference, and slices it to offer a choice); ``row_label(row)``
    names a row for the user and staff; ``url_name`` (optional) is its page, reversed with its id."""

    kind: str
    label: str
    rows: Callable[[User], models.QuerySet]
    row_label: Callable[[models.Model], str]
    url_name: str = ""


CONCERN_KINDS: dict[str, ConcernKind] = {}
CONCERN_CHOICES_PER_KIND = 30


def concern_kind_register(*, kind: str, label: str, rows: Callable[[User], models.QuerySet],
                          row_label: Callable[[models.Model], str], url_name: str = "") -> ConcernKind:
    """Called by an app's ``ready()``; registering the same kind again replaces it."""
    if not kind or ":" in kind or len(kind) > HelpRequest._meta.get_field("concern_kind").max_length:
        raise ValueError(f"Type d'élément invalide : {kind!r}")
    concern = ConcernKind(kind=kind, label=label, rows=rows, row_label=row_label, url_name=url_name)
    CONCERN_KINDS[kind] = concern
    return concern


def concern_reference(kind: str, row_id: int) -> str:
    return f"{kind}:{row_id}"


@dataclass(frozen=True)
class Concern:
    kind: str
    row_id: int
    label: str


def check_concern(*, user: User, reference: str) -> Concern | None:
    """``"<kind>:<id>"`` of a row ``user`` may see (its app says which), or "" for none."""
    if not reference:
        return None
    kind_name, _, raw_id = reference.partition(":")
    kind = CONCERN_KINDS.get(kind_name)
    if kind is None or not raw_id.isdigit():
        raise ApplicationError("Choisissez l'élément concerné dans la liste.", field="concern")
    row = kind.rows(user).filter(pk=int(raw_id)).first()
    if row is None:
        raise ApplicationError("Cet élément n'existe pas ou ne vous est pas accessible.", field="concern")
    label = f"{kind.label} — {kind.row_label(row)}"
    return Concern(kind=kind_name, row_id=row.pk, label=label[: HelpRequest._meta.get_field("concern_label").max_length])


def concern_choices(*, user: User) -> list[tuple[str, list[tuple[str, str]]]]:
    """The rows a user may name, grouped by kind (one query per registered kind)."""
    groups = []
    for kind in CONCERN_KINDS.values():
        rows = list(kind.rows(user)[:CONCERN_CHOICES_PER_KIND])
        if rows:
            groups.append((kind.label, [(concern_reference(kind.kind, row.pk), kind.row_label(row)) for row in rows]))
    return groups


def concern_url(help_request: HelpRequest) -> str:
    """The page of the row a request concerns, when its app names one."""
    kind = CONCERN_KINDS.get(help_request.concern_kind)
    if kind is None or not kind.url_name or help_request.concern_id is None:
        return ""
    try:
        return reverse(kind.url_name, args=[help_request.concern_id])
    except NoReverseMatch:
        return ""


# ----------------------------------------------------------------------------- checks


def check_subject(subject: str) -> HelpSubject:
    if subject not in HelpSubject.values:
        raise ApplicationError("Choisissez l'objet de votre demande dans la liste.", field="subject")
    return HelpSubject(subject)


def check_title(title: str) -> str:
    title = " ".join((title or "").split())
    if len(title) > TITLE_MAX_LENGTH:
        raise ApplicationError(f"Au plus {TITLE_MAX_LENGTH} caractères.", field="title")
    return title


def check_message(body: str, *, field: str = "message") -> str:
    body = (body or "").strip()
    if not body:
        raise ApplicationError("Écrivez votre message.", field=field)
    if len(body) > MESSAGE_MAX_LENGTH:
        raise ApplicationError(f"Le message dépasse {MESSAGE_MAX_LENGTH} caractères ({len(body)}).", field=field)
    return body


def check_attachments(files: Sequence[UploadedFile], *, field: str = "attachments") -> list[uploads.CheckedUpload]:
    """Every file checked (type read from its content, size) before anything is written."""
    files = [upload for upload in files if upload is not None]
    if len(files) > MAX_ATTACHMENTS:
        raise ApplicationError(f"Au plus {MAX_ATTACHMENTS} pièces jointes par message.", field=field)
    checked = []
    for upload in files:
        try:
            checked.append(uploads.check_upload(upload, allowed=ATTACHMENT_TYPES, field=field))
        except ApplicationError as error:
            raise ApplicationError(f"« {upload.name} » : {error.message}", field=field) from error
    return checked


def check_requester(user: User) -> None:
    """A broker's or agent's active user, acting for their current organisation."""
    if not (user.is_authenticated and user.is_active and user.is_intermediary and user.organisation_id):
        raise PermissionDeniedError("Les demandes d'aide sont envoyées par les utilisateurs d'un cabinet.")


def may_see(*, user: User, help_request: HelpRequest) -> bool:
    """The rule of ``help_selectors.help_requests_visible_to`` for one row: the organisation's
    administrators see all its requests, a collaborator their own."""
    if not (user.is_authenticated and user.is_active and user.is_intermediary):
        return False
    if help_request.organisation_id != user.organisation_id:
        return False
    return user.role == Role.ADMINISTRATOR or help_request.requester_id == user.pk


def check_staff(user: User) -> None:
    if not (user.is_active and user.is_staff):
        raise PermissionDeniedError("Seule l'équipe de L'Auxiliaire traite les demandes d'aide.")


def check_status(status: str) -> HelpStatus:
    if status not in HelpStatus.values:
        raise ApplicationError("Choisissez un statut de la liste.", field="status")
    return HelpStatus(status)


# ----------------------------------------------------------------------------- writes


def _file_number_candidate() -> int:
    return FILE_NUMBER_MIN + secrets.randbelow(FILE_NUMBER_MAX - FILE_NUMBER_MIN + 1)


def _create_with_file_number(**fields) -> HelpRequest:
    """Insert the request under a fresh random dossier n°. The unique constraint decides: a
    number taken — even by a concurrent insert not yet committed, which PostgreSQL waits for —
    rolls back only this savepoint and another number is drawn."""
    for _ in range(FILE_NUMBER_ATTEMPTS):
        number = _file_number_candidate()
        try:
            with transaction.atomic():
                return HelpRequest.objects.create(file_number=number, **fields)
        except IntegrityError:
            if not HelpRequest.objects.filter(file_number=number).exists():
                raise  # another constraint: a bug, not bad luck
    raise ApplicationError("Aucun numéro de dossier libre n'a pu être attribué : réessayez dans un instant.")


def _attach(message: HelpMessage, checked: Sequence[uploads.CheckedUpload]) -> None:
    HelpAttachment.objects.bulk_create([
        HelpAttachment(message=message, document=document_store(content=upload.content, name=upload.name,
                                                                content_type=upload.content_type))
        for upload in checked
    ])


def help_request_create(*, by: User, subject: str, message: str, title: str = "",
                        attachments: Sequence[UploadedFile] = (), concern: str = "") -> HelpRequest:
    """« Envoyer la demande »: a new request of ``by`` for their current organisation."""
    check_requester(by)
    subject = check_subject(subject)
    title = check_title(title)
    body = check_message(message)
    checked = check_attachments(attachments)
    concerned = check_concern(user=by, reference=concern)
    now = clock.local_now()
    with transaction.atomic():
        help_request = _create_with_file_number(
            organisation_id=by.organisation_id, requester=by, subject=subject, title=title,
            concern_kind=concerned.kind if concerned else "", concern_id=concerned.row_id if concerned else None,
            concern_label=concerned.label if concerned else "", status=HelpStatus.RECEIVED,
            created_at=now, last_activity_at=now,
        )
        first = HelpMessage.objects.create(help_request=help_request, kind=HelpMessageKind.USER, author=by,
                                           body=body, created_at=now)
        _attach(first, checked)
    return help_request


def _locked(help_request: HelpRequest) -> HelpRequest:
    return HelpRequest.objects.select_for_update().select_related("organisation", "requester").get(
        pk=help_request.pk)


def help_request_reply(*, help_request: HelpRequest, by: User, message: str,
                       attachments: Sequence[UploadedFile] = ()) -> HelpMessage:
    """The user answers (« Répondre »): the request is « reçue » again, whatever its status, and
    the clerk it is assigned to is told."""
    if not may_see(user=by, help_request=help_request):
        raise PermissionDeniedError()
    body = check_message(message)
    checked = check_attachments(attachments)
    now = clock.local_now()
    with transaction.atomic():
        locked = _locked(help_request)
        reopened = locked.status != HelpStatus.RECEIVED
        reply = HelpMessage.objects.create(help_request=locked, kind=HelpMessageKind.USER, author=by, body=body,
                                           status=HelpStatus.RECEIVED if reopened else "", created_at=now)
        _attach(reply, checked)
        locked.status, locked.last_activity_at = HelpStatus.RECEIVED, now
        locked.save(update_fields=["status", "last_activity_at"])
        if locked.assigned_to_id:
            clerk = User.objects.get(pk=locked.assigned_to_id)
            if clerk.is_active:
                _email(key=f"help-reply:{reply.pk}:{clerk.pk}", to=clerk, help_request=locked, message=reply,
                       template="clerk")
    help_request.status, help_request.last_activity_at = locked.status, locked.last_activity_at
    return reply


def organisation_administrators(*, organisation_id: int):
    """Who answers for an organisation: its active administrators."""
    return User.objects.filter(is_active=True, memberships__organisation_id=organisation_id,
                               memberships__role=Role.ADMINISTRATOR, memberships__is_active=True).distinct()


def _email(*, key: str, to: User, help_request: HelpRequest, message: HelpMessage, template: str) -> None:
    path = (reverse("admin:portal_helprequest_change", args=[help_request.pk]) if template == "clerk"
            else reverse("help_request", args=[help_request.file_number]))
    context = {
        "help_request": help_request,
        "message": message,
        "recipient": to,
        "insurer_name": settings.PORTAL_INSURER_NAME,
        "url": settings.PORTAL_BASE_URL.rstrip("/") + path,
    }
    notifications.email_enqueue(
        key=key,
        to=to.email,
        subject="".join(render_to_string(f"portal/help/emails/{template}_subject.txt", context).splitlines()),
        text=render_to_string(f"portal/help/emails/{template}.txt", context),
    )


def help_request_answer(*, help_request: HelpRequest, by: User, message: str, status: str,
                        attachments: Sequence[UploadedFile] = ()) -> HelpMessage:
    """Staff answer: the requester and the organisation's administrators are e-mailed (each
    once, through the outbox, after commit). ``status``: « reçue » (still in progress),
    « en attente de votre retour » (a document is expected), « close »."""
    check_staff(by)
    body = check_message(message)
    status = check_status(status)
    checked = check_attachments(attachments)
    now = clock.local_now()
    with transaction.atomic():
        locked = _locked(help_request)
        answer = HelpMessage.objects.create(help_request=locked, kind=HelpMessageKind.ANSWER, author=by, body=body,
                                            status=status if status != locked.status else "", created_at=now)
        _attach(answer, checked)
        locked.status, locked.last_activity_at = status, now
        locked.save(update_fields=["status", "last_activity_at"])
        recipients = {user.pk: user for user in organisation_administrators(organisation_id=locked.organisation_id)}
        if locked.requester.is_active:
            recipients[locked.requester_id] = locked.requester
        for user in sorted(recipients.values(), key=lambda user: user.pk):
            _email(key=f"help-answer:{answer.pk}:{user.pk}", to=user, help_request=locked, message=answer,
                   template="answer")
    help_request.status, help_request.last_activity_at = locked.status, locked.last_activity_at
    return answer


def help_request_note(*, help_request: HelpRequest, by: User, message: str) -> HelpMessage:
    """An internal note: staff only, never shown to the user nor e-mailed; the status stays."""
    check_staff(by)
    body = check_message(message)
    with transaction.atomic():
        locked = _locked(help_request)
        return HelpMessage.objects.create(help_request=locked, kind=HelpMessageKind.NOTE, author=by, body=body,
                                          created_at=clock.local_now())


def help_request_status_set(*, help_request: HelpRequest, by: User, status: str) -> HelpRequest:
    """Staff change the status without writing to the user (close a request already answered)."""
    check_staff(by)
    status = check_status(status)
    with transaction.atomic():
        locked = _locked(help_request)
        if locked.status == status:
            raise ApplicationError(f"La demande est déjà au statut « {locked.get_status_display()} ».",
                                   field="status")
        HelpMessage.objects.create(help_request=locked, kind=HelpMessageKind.NOTE, author=by,
                                   body=f"Statut changé : {HelpStatus(status).label}.", status=status,
                                   created_at=clock.local_now())
        locked.status = status
        locked.save(update_fields=["status"])
    help_request.status = locked.status
    return help_request


def help_request_close(*, help_request: HelpRequest, by: User) -> HelpRequest:
    return help_request_status_set(help_request=help_request, by=by, status=HelpStatus.CLOSED)


def help_request_assign(*, help_request: HelpRequest, by: User, clerk: User | None) -> HelpRequest:
    """Give the request to a clerk (a staff account), or to nobody."""
    check_staff(by)
    if clerk is not None and not (clerk.is_active and clerk.is_staff):
        raise ApplicationError("Une demande s'attribue à un membre actif de l'équipe.", field="assigned_to")
    with transaction.atomic():
        locked = _locked(help_request)
        if locked.assigned_to_id != (clerk.pk if clerk else None):
            locked.assigned_to = clerk
            locked.save(update_fields=["assigned_to"])
            HelpMessage.objects.create(help_request=locked, kind=HelpMessageKind.NOTE, author=by,
                                       body=f"Attribuée à {clerk}." if clerk else "Attribution retirée.",
                                       created_at=clock.local_now())
    help_request.assigned_to = clerk
    return help_request
