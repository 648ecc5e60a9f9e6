"""Tables of the SANDBOX postal provider (its own state, its own webhook deliveries).
Nothing of the portal reads them except the sandbox package."""

from __future__ import annotations

from django.db import models


class SandboxPostalItem(models.Model):
    """An envelope as the sandbox print shop and La Poste see it."""

    reference = models.CharField(max_length=80, unique=True)
    client_reference = models.CharField(max_length=80, unique=True)
    mode = models.CharField(max_length=20)
    tracking_number = models.CharField(max_length=40, blank=True)
    recipient = models.JSONField(default=list)
    sender = models.JSONField(default=list, blank=True)
    pages = models.PositiveSmallIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    # received → posted → in_transit → notified → delivered | returned
    status = models.CharField(max_length=12, default="received")
    handover_date = models.DateField()
    posted_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "bac à sable : pli postal"
        verbose_name_plural = "bac à sable : plis postaux"

    def __str__(self) -> str:
        return self.reference


class SandboxWebhookDelivery(models.Model):
    """A webhook the sandbox owes the portal, retried with a back-off until delivered."""

    event_id = models.CharField(max_length=80, unique=True)
    body = models.TextField()
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "bac à sable : webhook postal à livrer"
        verbose_name_plural = "bac à sable : webhooks postaux à livrer"
        indexes = [models.Index(fields=["delivered_at", "next_attempt_at"])]

    def __str__(self) -> str:
        return self.event_id
