"""Tables of the SANDBOX providers: they play the external e-signature and registered-mail
services (their own state, their own webhooks to the portal). Nothing of the portal reads
them except the sandbox provider module and its pages."""

from __future__ import annotations

from django.db import models

from portal.models import StoredDocument


class SandboxSignature(models.Model):
    reference = models.CharField(max_length=80, unique=True)
    signer_name = models.CharField(max_length=200)
    email = models.EmailField()
    mobile_phone = models.CharField(max_length=20)
    document = models.ForeignKey(StoredDocument, on_delete=models.PROTECT, related_name="+")
    signed_document = models.ForeignKey(StoredDocument, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+")
    status = models.CharField(max_length=10, default="pending")  # pending, opened, signed, refused, cancelled
    code = models.CharField(max_length=6, blank=True)
    code_attempts = models.PositiveSmallIntegerField(default=0)
    expires_at = models.DateTimeField()
    signed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "bac à sable : signature"
        verbose_name_plural = "bac à sable : signatures"

    def __str__(self) -> str:
        return self.reference


class SandboxRegisteredMail(models.Model):
    reference = models.CharField(max_length=80, unique=True)
    idempotency_key = models.CharField(max_length=80, unique=True)
    sender_name = models.CharField(max_length=200)
    recipient_name = models.CharField(max_length=200)
    recipient_lines = models.JSONField(default=list)
    with_acknowledgement = models.BooleanField(default=False)
    qualified = models.BooleanField(default=False)
    documents = models.ManyToManyField(StoredDocument, related_name="+")
    # submitted, deposited, signed (AR accepted), collected (simple, accessed), resent
    status = models.CharField(max_length=12, default="submitted")
    deposited_at = models.DateTimeField(null=True, blank=True)
    resent_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "bac à sable : LRE"
        verbose_name_plural = "bac à sable : LRE"

    def __str__(self) -> str:
        return self.reference


class SandboxWebhookDelivery(models.Model):
    """A webhook the sandbox owes the portal, retried with a back-off until delivered."""

    provider = models.CharField(max_length=30)
    event_id = models.CharField(max_length=80, unique=True)
    body = models.TextField()
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "bac à sable : webhook à livrer"
        verbose_name_plural = "bac à sable : webhooks à livrer"
        indexes = [models.Index(fields=["delivered_at", "next_attempt_at"])]

    def __str__(self) -> str:
        return self.event_id
