"""The sandbox postal console: play La Poste's news about one envelope (any order)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render

from courrier.sandbox import provider as sandbox
from courrier.sandbox.models import SandboxPostalItem, SandboxWebhookDelivery
from courrier.views.common import courrier_page, envelope_for
from portal import clock


@courrier_page
def console(request, pk: int):
    envelope = envelope_for(request, pk)
    item = SandboxPostalItem.objects.filter(client_reference=f"envelope-{envelope.pk}").first()
    if request.method == "POST" and item is not None:
        action = request.POST.get("action", "")
        try:
            if action == "deliver":
                delivered = sandbox.sandbox_webhooks_deliver_in_process()
                messages.success(request, f"{delivered} webhook(s) livré(s) au portail (bac à sable).")
            else:
                sandbox.sandbox_event_play(reference=item.reference, event_type=action, now=clock.local_now())
                messages.success(request, f"La Poste (bac à sable) : « {sandbox.CONSOLE_EVENTS[action]} ».")
        except sandbox.SandboxError as error:
            messages.error(request, str(error))
        return redirect("courrier:sandbox:console", pk=envelope.pk)
    pending = SandboxWebhookDelivery.objects.filter(delivered_at__isnull=True).count()
    return render(request, "courrier/sandbox/console.html", {
        "envelope": envelope, "item": item, "events": sandbox.CONSOLE_EVENTS, "pending": pending,
    })
