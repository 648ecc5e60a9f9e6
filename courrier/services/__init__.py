"""Writes of the paper-mail service, one module per step of the pipeline:

* ``envelopes`` — drafts: creation, mode and print options, recipient, sender, « Effacer »;
* ``documents`` — « Ajouter + », conversion, order, removal, the address in the window;
* ``sending`` — what is missing, price, print-ready visual, validation (debit), date change,
  cancellation (refund);
* ``handover`` — the 10:30 hand-over (set-based) and the submission to the postal provider;
* ``tracking`` — the provider's signed webhooks, proofs;
* ``retention`` — contents deleted 14 days after posting (drafts: 30 days).
"""

from courrier.services.documents import (
    DOCUMENT_TYPES,
    OFFICE_WARNING,
    document_convert,
    document_move,
    document_remove,
    documents_add,
    documents_reorder,
    envelope_start,
    first_document_address,
)
from courrier.services.envelopes import (
    AddressInput,
    check_draft,
    check_may_send_paper_mail,
    envelope_create,
    envelope_erase,
    envelope_options_set,
    envelope_recipient_from_document,
    envelope_recipient_from_document_requested,
    envelope_recipient_type,
    envelope_send_on_set,
    envelope_sender_from_organisation,
    envelope_sender_set,
    organisation_address,
)
from courrier.services.handover import envelopes_hand_over, envelopes_submit, envelopes_submit_stale
from courrier.services.retention import PurgeResult, contents_purge
from courrier.services.sending import (
    EnvelopeQuote,
    SendingPlan,
    envelope_blockers,
    envelope_cancel,
    envelope_prepare,
    envelope_quote,
    envelope_reschedule,
    envelope_send,
    sending_plan,
)
from courrier.services.tracking import envelope_proof_fetch, postal_webhook_receive

__all__ = [
    "DOCUMENT_TYPES", "OFFICE_WARNING", "AddressInput", "EnvelopeQuote", "PurgeResult", "SendingPlan",
    "check_draft", "check_may_send_paper_mail", "contents_purge", "document_convert", "document_move",
    "document_remove", "documents_add", "documents_reorder", "envelope_blockers", "envelope_cancel",
    "envelope_create", "envelope_erase", "envelope_options_set", "envelope_prepare", "envelope_proof_fetch",
    "envelope_quote", "envelope_recipient_from_document", "envelope_recipient_from_document_requested",
    "envelope_recipient_type", "envelope_reschedule", "envelope_send", "envelope_sender_from_organisation",
    "envelope_send_on_set", "envelope_sender_set", "envelope_start", "envelopes_hand_over", "envelopes_submit", "envelopes_submit_stale",
    "first_document_address", "organisation_address", "postal_webhook_receive", "sending_plan",
]
