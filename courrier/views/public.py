"""Without login: the postal provider's webhook endpoint (HMAC-signed deliveries)."""

from __future__ import annotations

import logging

from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from courrier import services
from courrier.providers import webhook_open
from portal import clock
from portal.webhooks import HEADER, WebhookRejected, WebhookRetry

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def webhook(request, provider: str):
    """La Poste's news through the postal provider: verified, replays refused, each event once."""
    if not webhook_open(provider):
        raise Http404
    try:
        result = services.postal_webhook_receive(provider=provider, body=request.body,
                                                 header=request.headers.get(HEADER, ""), now=clock.local_now())
    except WebhookRejected as exc:
        logger.warning("postal webhook refused: %s", exc)
        return HttpResponseBadRequest(f"refusé : {exc}")
    except WebhookRetry as exc:
        return HttpResponse(f"à réessayer : {exc}", status=409)
    return HttpResponse(result)
