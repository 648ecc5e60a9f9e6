from django.urls import include, path

from courrier.views import envelope, lists, public, sending
from portal.providers import sandboxes_allowed

app_name = "courrier"

urlpatterns = [
    path("", lists.envelopes, name="envelopes"),
    path("nouveau/", envelope.new, name="new"),
    path("<int:pk>/", envelope.envelope_page, name="envelope"),
    path("<int:pk>/documents/", envelope.documents_add, name="documents_add"),
    path("<int:pk>/documents/ordre/", envelope.documents_order, name="documents_order"),
    path("<int:pk>/documents/<int:document_id>/deplacer/", envelope.document_move, name="document_move"),
    path("<int:pk>/documents/<int:document_id>/retirer/", envelope.document_remove, name="document_remove"),
    path("<int:pk>/documents/<int:document_id>/pdf/", envelope.document_pdf, name="document_pdf"),
    path("<int:pk>/options/", envelope.options, name="options"),
    path("<int:pk>/destinataire/", envelope.recipient, name="recipient"),
    path("<int:pk>/destinataire/premier-document/", envelope.recipient_document, name="recipient_document"),
    path("<int:pk>/expediteur/", envelope.sender, name="sender"),
    path("<int:pk>/effacer/", envelope.erase, name="erase"),
    path("<int:pk>/courrier.pdf", envelope.print_pdf, name="print_pdf"),
    path("<int:pk>/visuel/<int:page>.png", envelope.preview, name="preview"),
    path("<int:pk>/preuves/<slug:kind>.pdf", envelope.proof, name="proof"),
    path("<int:pk>/envoi/", sending.confirm, name="confirm"),
    path("<int:pk>/date-envoi/", sending.reschedule, name="reschedule"),
    path("<int:pk>/annuler/", sending.cancel, name="cancel"),
    # Without login: the postal provider's webhooks.
    path("webhooks/<slug:provider>/", public.webhook, name="webhook"),
]

if sandboxes_allowed():  # never routed in production: the sandbox postal provider's console, one include
    urlpatterns.append(path("bac-a-sable/", include("courrier.sandbox.urls")))
