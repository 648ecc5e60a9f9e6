from django.urls import include, path

from portal.providers import sandboxes_allowed
from resiliation.views import identity, letter, lists, public, sending, wizard

app_name = "resiliation"

urlpatterns = [
    path("", lists.letters, name="letters"),
    path("export.xlsx", lists.letters_export, name="export"),
    # Wizard: 1 Le souscripteur · 2 L'assureur · 3 Le contrat
    path("nouvelle/", wizard.new_subscriber, name="new"),
    path("nouvelle/assureur/", wizard.new_insurer, name="new_insurer"),
    path("nouvelle/type/", wizard.new_type, name="new_type"),
    path("nouvelle/contrat/<slug:type_code>/", wizard.new_contract, name="new_contract"),
    path("assureurs/", wizard.insurer_search, name="insurer_search"),
    path("assureurs/demande/", wizard.insurer_request, name="insurer_request"),
    # The letter
    path("<int:pk>/", letter.letter_page, name="letter"),
    path("<int:pk>/lettre.pdf", letter.letter_preview, name="preview"),
    path("<int:pk>/mandat.pdf", letter.mandate_pdf, name="mandate_pdf"),
    path("<int:pk>/documents/<int:document_id>/", letter.letter_document, name="document"),
    path("<int:pk>/souscripteur/", letter.subscriber_edit, name="subscriber_edit"),
    path("<int:pk>/contrats/ajouter/", wizard.new_type, name="contract_add_type"),
    path("<int:pk>/contrats/ajouter/<slug:type_code>/", wizard.new_contract, name="contract_add"),
    path("<int:pk>/contrats/<int:contract_id>/modifier/", wizard.contract_edit, name="contract_edit"),
    path("<int:pk>/contrats/<int:contract_id>/supprimer/", letter.contract_remove, name="contract_remove"),
    path("<int:pk>/texte/", letter.free_text, name="free_text"),
    path("<int:pk>/ancien-gerant/", letter.old_manager, name="old_manager"),
    path("<int:pk>/pieces/", letter.attachment_add, name="attachment_add"),
    path("<int:pk>/pieces/<int:attachment_id>/supprimer/", letter.attachment_remove, name="attachment_remove"),
    path("<int:pk>/gere-par/", letter.manager_set, name="manager"),
    path("<int:pk>/corbeille/", lists.letter_trash, name="trash"),
    path("<int:pk>/restaurer/", lists.letter_restore, name="restore"),
    # Sending
    path("<int:pk>/emetteur/", sending.sender_mode, name="sender_mode"),
    path("<int:pk>/mandat/", sending.mandate, name="mandate"),
    path("<int:pk>/finaliser/", sending.finalise, name="finalise"),
    path("<int:pk>/signature/", sending.esign, name="esign"),
    path("<int:pk>/annuler/", sending.cancel, name="cancel"),
    path("<int:pk>/date-envoi/", sending.reschedule, name="reschedule"),
    path("attestation-orias/", sending.orias, name="orias"),
    path("identite/", sending.identity_page, name="identity"),
    path("identite/verification/", identity.identity_continue, name="identity_verify"),
    # Without login: signed links and provider webhooks
    path("documents/<str:token>/", public.public_document, name="public_document"),
    path("webhooks/<slug:provider>/", public.webhook, name="webhook"),
]

if sandboxes_allowed():  # never routed in production: the sandbox signature page and LRE console, one include
    urlpatterns.append(path("", include("resiliation.sandbox.urls")))
