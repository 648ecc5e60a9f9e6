"""Pages without login: the souscripteur's document links (signed, expiring) and the providers'
webhook endpoint (the sandbox providers' pages are in ``resiliation.sandbox.views``)."""

from __future__ import annotations

import logging

from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from portal import clock
from portal.files import document_response
from portal.models import StoredDocument
from resiliation import emails, webhooks
from resiliation.models import TerminationLetter

logger = logging.getLogger(__name__)


def public_document(request, token: str):
    """A document e-mailed to the souscripteur or the old manager (signed link, 90 days)."""
    ids = emails.public_document_ids(token)
    if ids is None:
        raise Http404
    letter = get_object_or_404(TerminationLetter, pk=ids[0])
    if ids[1] not in {letter.sent_document_id, letter.deposit_notice_id, letter.acknowledgement_id}:
        raise Http404
    document = get_object_or_404(StoredDocument, pk=ids[1])
    return document_response(document)


@csrf_exempt
@require_POST
def webhook(request, provider: str):
    """Provider events: HMAC-verified, replays refused, each event applied once."""
    if provider not in webhooks.KINDS:
        raise Http404
    try:
        result = webhooks.webhook_receive(provider=provider, body=request.body,
                                          header=request.headers.get(webhooks.HEADER, ""),
                                          now=clock.local_now())
    except webhooks.WebhookRejected as exc:
        logger.warning("webhook %s refused: %s", provider, exc)
        return HttpResponseBadRequest(f"refusé : {exc}")
    except webhooks.WebhookRetry as exc:
        return HttpResponse(f"à réessayer : {exc}", status=409)
    return HttpResponse(result)
