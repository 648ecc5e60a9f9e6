"""Sending a letter (seed 001 §5.6–5.7): sender mode, mandate, confirmation with its debit,
scheduling, date change until the eve, cancellation with refund, dispatch to the registered
mail provider.

Statuses: draft → (awaiting_signature →) scheduled → in_transit → deposited → signed |
collected | resent; cancelled and signature_expired are final and refunded.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.db.models import Case, F, Q, Value, When

from portal import uploads
from portal.errors import ApplicationError
from portal.models import User
from portal.pdf import document_bytes, document_store
from portal.transactions import enqueue_on_commit
from resiliation import charges, documents, emails, rules
from resiliation.models import (
    LetterStatus,
    MandateChoice,
    SenderMode,
    SignatureRequest,
    SignatureStatus,
    TerminationLetter,
)
from resiliation.selectors import (
    NO_ORIAS_NUMBER,
    account_identified,
    dispatch_hold_reason,
    has_orias_number,
    letter_contract_pairs,
    orias_certificate_valid,
    sending_blockers,
    sending_plan,
    uses_esignature,
)
from resiliation.services.letters import check_editable

# ----------------------------------------------------------------------- sender, mandate


def letter_sender_mode_set(*, letter: TerminationLetter, mode: str) -> TerminationLetter:
    """« Changer l'émetteur du courrier »."""
    check_editable(letter)
    if mode not in SenderMode.values:
        raise ApplicationError("Choisissez l'émetteur du courrier.", field="sender_mode")
    if mode == SenderMode.PLATFORM:
        refusal = rules.platform_refusal(letter_contract_pairs(letter))
        if refusal:
            raise ApplicationError(refusal, field="sender_mode")
        letter.mandate_choice, letter.mandate_document = MandateChoice.ESIGN, None
        letter.with_acknowledgement = True
    else:
        letter.mandate_choice, letter.mandate_document = MandateChoice.NONE, None
    letter.sender_mode = mode
    letter.save(update_fields=["sender_mode", "mandate_choice", "mandate_document", "with_acknowledgement",
                               "updated_at"])
    return letter


def _check_agency(letter: TerminationLetter, today: date) -> None:
    check_editable(letter)
    if letter.sender_mode != SenderMode.AGENCY:
        raise ApplicationError("Au nom de la plateforme, le mandat est toujours signé électroniquement.")
    if orias_certificate_valid(organisation_id=letter.organisation_id, on=today) is None:
        raise ApplicationError("Déposez d'abord votre attestation ORIAS en cours de validité."
                               if has_orias_number(organisation_id=letter.organisation_id) else NO_ORIAS_NUMBER)


def letter_mandate_choose(*, letter: TerminationLetter, choice: str, today: date,
                          confirmed: bool = False, upload=None) -> TerminationLetter:
    """The mandate of an agency sending: a signed scan (generated or own mandate), the generated
    or own mandate to e-sign, or no mandate after the confirmation checkbox."""
    _check_agency(letter, today)
    if choice not in (MandateChoice.SCAN, MandateChoice.OWN, MandateChoice.ESIGN, MandateChoice.ESIGN_OWN,
                      MandateChoice.NOT_ATTACHED):
        raise ApplicationError("Choisissez un mandat.", field="choice")
    if choice == MandateChoice.NOT_ATTACHED and not confirmed:
        raise ApplicationError("Cochez « Je comprends et j'accepte la remarque ci-dessus ».", field="confirmed")
    document = None
    if choice in (MandateChoice.SCAN, MandateChoice.OWN, MandateChoice.ESIGN_OWN):
        allowed = {"application/pdf": "pdf"} if choice == MandateChoice.ESIGN_OWN else documents.PDF_AND_IMAGES
        checked = uploads.check_upload(upload, allowed=allowed, field="file")
        document = document_store(content=checked.content, name=checked.name, content_type=checked.content_type)
    letter.mandate_choice, letter.mandate_document = choice, document
    letter.save(update_fields=["mandate_choice", "mandate_document", "updated_at"])
    return letter


def letter_mandate_reset(*, letter: TerminationLetter) -> TerminationLetter:
    check_editable(letter)
    if letter.sender_mode == SenderMode.PLATFORM:
        raise ApplicationError("Au nom de la plateforme, le mandat est toujours signé électroniquement.")
    letter.mandate_choice, letter.mandate_document = MandateChoice.NONE, None
    letter.save(update_fields=["mandate_choice", "mandate_document", "updated_at"])
    return letter


# ------------------------------------------------------------------------- confirmation


def letter_confirm(*, letter: TerminationLetter, by: User, with_acknowledgement: bool, start: date | None,
                   send: date | None, dates_confirmed: bool, now: datetime) -> TerminationLetter:
    """« Confirmer l'envoi »: debit the price once, then schedule, send today, or wait for the
    e-signature of the mandate (before 20:00 on the send day)."""
    check_editable(letter)
    today = now.date()
    blockers = sending_blockers(letter, today=today)
    if blockers:
        raise ApplicationError(blockers[0])
    plan = sending_plan(letter=letter, with_acknowledgement=with_acknowledgement, start=start, send=send, now=now)
    if not dates_confirmed:
        raise ApplicationError("Cochez « Je confirme choisir les dates ci-dessus et reconnais être responsable de "
                               "ce choix ».", field="dates_confirmed")
    with transaction.atomic():
        locked = TerminationLetter.objects.select_for_update().get(pk=letter.pk)
        check_editable(locked)
        locked.debit_entry_id = charges.debit(
            organisation=locked.organisation, products=plan.products, key=f"resiliation:letter:{locked.pk}",
            label=f"Lettre de résiliation n° {locked.pk}", on=today, by=by,
        )
        locked.with_acknowledgement = with_acknowledgement
        locked.send_date, locked.new_contract_start = plan.send, plan.start
        locked.confirmed_at = now
        # Qualified (eIDAS) when both sides are identified: the account holder (or the platform,
        # itself identified, when it sends in its name) and the recipient.
        sender_identified = locked.sender_mode == SenderMode.PLATFORM or account_identified(
            organisation_id=locked.organisation_id)
        locked.qualified = sender_identified and locked.insurer.is_identified
        if uses_esignature(locked):
            locked.status = LetterStatus.AWAITING_SIGNATURE
        else:
            locked.status = LetterStatus.SCHEDULED
        locked.save()
        if locked.status == LetterStatus.SCHEDULED and plan.send <= today:
            letter_dispatch_start(letter=locked)
    return locked


def letter_dispatch_start(*, letter: TerminationLetter) -> None:
    """Queue the dispatch of a letter due today (after commit)."""
    from resiliation.tasks import letter_dispatch_task

    enqueue_on_commit(letter_dispatch_task, letter.pk)


def letter_send_date_change(*, letter: TerminationLetter, start: date | None, send: date | None,
                            now: datetime) -> TerminationLetter:
    """« Modifier la date d'envoi »: a scheduled sending until the eve of its date, unless its
    mandate is e-signed; a held sending (« Envoi suspendu ») gets its new date here. The plan is
    recomputed and checked as at confirmation (legal dates, ORIAS certificate on the new date)."""
    today = now.date()
    refusal = letter.reschedule_refusal(today=today)
    if refusal:
        raise ApplicationError(refusal)
    plan = sending_plan(letter=letter, with_acknowledgement=letter.with_acknowledgement, start=start, send=send,
                        now=now)
    with transaction.atomic():
        locked = TerminationLetter.objects.select_for_update().get(pk=letter.pk)
        refusal = locked.reschedule_refusal(today=today)
        if refusal:
            raise ApplicationError(refusal)
        locked.send_date, locked.new_contract_start = plan.send, plan.start
        locked.status, locked.held_reason, locked.held_at = LetterStatus.SCHEDULED, "", None
        locked.save(update_fields=["send_date", "new_contract_start", "status", "held_reason", "held_at",
                                   "updated_at"])
        if plan.send <= today:
            letter_dispatch_start(letter=locked)
    return locked


def letter_cancel(*, letter: TerminationLetter, by: User | None, now: datetime,
                  status: str = LetterStatus.CANCELLED, reason: str = "Envoi annulé par l'utilisateur") -> TerminationLetter:
    """« Annuler l'envoi » (waiting for the signature, held, or scheduled until the eve and not
    e-signed): refunded once."""
    today = now.date()
    with transaction.atomic():
        locked = TerminationLetter.objects.select_for_update().get(pk=letter.pk)
        refusal = locked.cancel_refusal(today=today)
        if refusal:
            raise ApplicationError(refusal)
        locked.status, locked.cancelled_at = status, now
        if locked.debit_entry_id and not locked.refund_entry_id:
            locked.refund_entry_id = charges.refund(debit_entry_id=locked.debit_entry_id, reason=reason, by=by)
        locked.save()
        open_requests = list(SignatureRequest.objects.filter(
            letter=locked, status__in=[SignatureStatus.PENDING, SignatureStatus.OPENED]))
        SignatureRequest.objects.filter(pk__in=[r.pk for r in open_requests]).update(
            status=SignatureStatus.EXPIRED if status == LetterStatus.SIGNATURE_EXPIRED else SignatureStatus.CANCELLED)
        from resiliation.tasks import signature_cancel_task

        for request in open_requests:  # the provider closes its signing page, after commit
            enqueue_on_commit(signature_cancel_task, request.pk)
    return locked


def signature_provider_cancel(*, request_id: int) -> bool:
    """Close a cancelled request's signing page at the provider that holds it."""
    from resiliation.providers import signature_provider

    request = SignatureRequest.objects.filter(pk=request_id).exclude(provider_reference="").first()
    if request is None:
        return False
    signature_provider(request.provider).signature_cancel(reference=request.provider_reference)
    return True


# ---------------------------------------------------------------------------- dispatch


def letter_hold(*, letter: TerminationLetter, reason: str, now: datetime) -> bool:
    """« Envoi suspendu »: the scheduled letter waits for a new date chosen by its user, who is
    e-mailed why; its debit stays (refunded if the user cancels)."""
    with transaction.atomic():
        held = TerminationLetter.objects.filter(pk=letter.pk, status=LetterStatus.SCHEDULED).update(
            status=LetterStatus.HELD, held_reason=reason, held_at=now, updated_at=now)
        if held:
            letter.refresh_from_db()
            emails.user_letter_held(letter=letter)
    return bool(held)


def letter_dispatch(*, letter_id: int, now: datetime) -> bool:
    """Render the final letter dated the day it leaves, hand it to the registered-mail provider,
    record the reference — or hold it (``dispatch_hold_reason``).

    Idempotent: the provider key is the letter id, so a retried task never sends twice. The PDF
    is rendered outside any transaction, then stored in a short one.
    """
    from resiliation.providers import registered_mail_provider

    today = now.date()
    due = TerminationLetter.objects.filter(pk=letter_id, status=LetterStatus.SCHEDULED, send_date__lte=today).first()
    if due is not None:
        reason = dispatch_hold_reason(due, today=today)
        if reason:
            letter_hold(letter=due, reason=reason, now=now)
            return False
    # A SCHEDULED letter is claimed on the plan just checked; an IN_TRANSIT one whose provider
    # call never completed (dead worker) is sent again under the same idempotency key.
    claimable = Q(status=LetterStatus.IN_TRANSIT, provider_reference="")
    if due is not None:
        claimable |= Q(status=LetterStatus.SCHEDULED, send_date=due.send_date)
    claimed = TerminationLetter.objects.filter(claimable, pk=letter_id, send_date__lte=today).update(status=LetterStatus.IN_TRANSIT, send_date=Case(
        When(status=LetterStatus.SCHEDULED, then=Value(today)), default=F("send_date")), updated_at=now)
    if not claimed:
        return False
    letter = TerminationLetter.objects.select_related("organisation", "insurer", "created_by",
                                                       "mandate_document").get(pk=letter_id)
    contracts = list(letter.contracts.all())
    pdf = documents.letter_pdf(letter, letter_date=letter.send_date, contracts=contracts)
    files = [(f"Lettre_resiliation_{letter.pk}.pdf", pdf)]
    if letter.mandate_document_id and letter.mandate_choice != MandateChoice.NOT_ATTACHED:
        files.append(("Mandat_resiliation.pdf" if letter.mandate_document.content_type == "application/pdf"
                      else letter.mandate_document.original_name, document_bytes(letter.mandate_document)))
    signed = SignatureRequest.objects.filter(letter=letter, status=SignatureStatus.SIGNED,
                                             signed_document__isnull=False).select_related("signed_document").first()
    if signed:
        files.append(("Certificat_de_signature_du_mandat.pdf", document_bytes(signed.signed_document)))
    for attachment in letter.attachments.select_related("document"):
        files.append((attachment.document.original_name, document_bytes(attachment.document)))
    sender = documents.sender_block(letter)
    provider = registered_mail_provider()
    reference = provider.registered_send(
        idempotency_key=f"letter-{letter.pk}", sender_name=sender["name"], recipient_name=letter.insurer.name,
        recipient_lines=letter.insurer.address_lines, with_acknowledgement=letter.with_acknowledgement,
        qualified=letter.qualified, documents=files,
    )
    with transaction.atomic():
        stored = document_store(content=pdf, name=f"Lettre_resiliation_{letter.pk}.pdf",
                                content_type="application/pdf")
        # The provider's events find the letter by its name and this reference (see tracking).
        TerminationLetter.objects.filter(Q(provider_reference="") | Q(provider_reference=reference),
                                         pk=letter.pk).update(provider_reference=reference, sent_document=stored,
                                                              registered_mail_provider=provider.name, sent_at=now)
        letter.sent_document = stored
        emails.subscriber_letter_copy(letter=letter)
    return True
