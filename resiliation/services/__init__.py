"""Writes of the résiliation app, one module per step (every write is here, atomic and
keyword-only; reads are in ``resiliation.selectors``):

* ``letters`` — the wizard's letter, its subscriber, contracts, text, attachments, manager,
  trash; insurer requests; the ORIAS certificate;
* ``sending`` — sender mode, mandate, « Confirmer l'envoi » (debit), date change, hold,
  cancellation (refund), dispatch to the registered-mail provider;
* ``signatures`` — the e-signature of the mandate and its 20:00 deadline;
* ``tracking`` — the registered mail's events and proofs;
* ``identity`` — the eIDAS identity check of the account holder.
"""

from resiliation.services.identity import (
    identity_check_confirm,
    identity_check_open,
    identity_check_start,
    identity_event_failed,
    identity_event_verified,
)
from resiliation.services.letters import (
    MAX_ATTACHMENTS,
    MAX_CONTRACTS,
    ContractData,
    SubscriberData,
    check_contract,
    check_editable,
    check_insurer,
    check_subscriber,
    insurer_request_create,
    insurer_requests_done,
    letter_attachment_add,
    letter_attachment_remove,
    letter_contract_add,
    letter_contract_remove,
    letter_contract_update,
    letter_create,
    letter_free_text_set,
    letter_manager_set,
    letter_old_manager_set,
    letter_restore,
    letter_subscriber_update,
    letter_trash,
    orias_certificate_add,
)
from resiliation.services.sending import (
    letter_cancel,
    letter_confirm,
    letter_dispatch,
    letter_dispatch_start,
    letter_hold,
    letter_mandate_choose,
    letter_mandate_reset,
    letter_send_date_change,
    letter_sender_mode_set,
    signature_provider_cancel,
)
from resiliation.services.signatures import (
    SIGNATURE_RANK,
    signature_event_expired,
    signature_event_opened,
    signature_event_refused,
    signature_event_signed,
    signature_request_start,
    signatures_expire,
)
from resiliation.services.tracking import (
    letter_proof_fetch,
    registered_event_deposited,
    registered_event_received,
    registered_event_resent,
)

__all__ = [
    "ContractData", "MAX_ATTACHMENTS", "MAX_CONTRACTS", "SIGNATURE_RANK", "SubscriberData", "check_contract",
    "check_editable", "check_insurer", "check_subscriber", "identity_check_confirm", "identity_check_open",
    "identity_check_start", "identity_event_failed", "identity_event_verified", "insurer_request_create", "insurer_requests_done",
    "letter_attachment_add", "letter_attachment_remove", "letter_cancel", "letter_confirm", "letter_contract_add",
    "letter_contract_remove", "letter_contract_update", "letter_create", "letter_dispatch", "letter_dispatch_start",
    "letter_free_text_set", "letter_hold", "letter_manager_set", "letter_mandate_choose", "letter_mandate_reset",
    "letter_old_manager_set", "letter_proof_fetch", "letter_restore", "letter_send_date_change",
    "letter_sender_mode_set", "letter_subscriber_update", "letter_trash", "orias_certificate_add",
    "registered_event_deposited", "registered_event_received", "registered_event_resent", "signature_event_expired",
    "signature_event_opened", "signature_event_refused", "signature_event_signed", "signature_provider_cancel",
    "signature_request_start", "signatures_expire",
]
