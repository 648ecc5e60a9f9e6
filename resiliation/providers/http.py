"""The ``http`` providers: clients of the provider gateways whose protocol
``resiliation.providers.base`` documents (e-signature, registered e-mail, identity)."""

from __future__ import annotations

import base64
from datetime import datetime
from urllib.parse import quote

from django.urls import reverse

from portal.providers import HttpGateway, gateway_from_settings
from resiliation import conf
from resiliation.models import REFERENCE_MAX
from resiliation.providers.base import IdentityStart, SignatureStart

PROOF_KINDS = ("deposit", "acknowledgement")


def _document(name: str, content: bytes) -> dict:
    return {"name": name, "content": base64.b64encode(content).decode("ascii")}


def _webhook_url(kind: str) -> str:
    return conf.base_url() + reverse("resiliation:webhook", args=[kind])


def _path(reference: str) -> str:
    return quote(reference, safe="")


class HttpSignatureProvider:
    name = "http"

    def __init__(self, gateway: HttpGateway | None = None) -> None:
        self.gateway = gateway or gateway_from_settings(
            url_setting="RESILIATION_SIGNATURE_API_URL", key_setting="RESILIATION_SIGNATURE_API_KEY",
            service="Le service de signature électronique")

    def signature_start(self, *, document: bytes, document_name: str, signer_name: str, email: str,
                        mobile_phone: str, expires_at: datetime) -> SignatureStart:
        answer = self.gateway.post_json("/signatures", {
            "document": _document(document_name, document),
            "signer": {"name": signer_name, "email": email, "mobile_phone": mobile_phone},
            "expires_at": expires_at.isoformat(),
            "webhook_url": _webhook_url("signature"),
        })
        return SignatureStart(reference=self.gateway.text(answer, "reference", max_length=REFERENCE_MAX),
                              url=self.gateway.url(answer, "url"))

    def signature_cancel(self, *, reference: str) -> None:
        self.gateway.post(f"/signatures/{_path(reference)}/cancel")

    def signed_document(self, *, reference: str) -> bytes:
        return self.gateway.get_pdf(f"/signatures/{_path(reference)}/signed-document")


class HttpRegisteredMailProvider:
    name = "http"

    def __init__(self, gateway: HttpGateway | None = None) -> None:
        self.gateway = gateway or gateway_from_settings(
            url_setting="RESILIATION_REGISTERED_MAIL_API_URL", key_setting="RESILIATION_REGISTERED_MAIL_API_KEY",
            service="Le service de lettre recommandée électronique")

    def registered_send(self, *, idempotency_key: str, sender_name: str, recipient_name: str,
                        recipient_lines: list[str], with_acknowledgement: bool, qualified: bool,
                        documents: list[tuple[str, bytes]]) -> str:
        answer = self.gateway.post_json("/registered-letters", {
            "client_reference": idempotency_key,
            "sender": {"name": sender_name},
            "recipient": {"name": recipient_name, "address_lines": list(recipient_lines)},
            "with_acknowledgement": with_acknowledgement,
            "qualified": qualified,
            "documents": [_document(name, content) for name, content in documents],
            "webhook_url": _webhook_url("registered_mail"),
        }, idempotency_key=idempotency_key)
        return self.gateway.text(answer, "reference", max_length=REFERENCE_MAX)

    def proof_document(self, *, reference: str, kind: str) -> bytes:
        if kind not in PROOF_KINDS:
            raise ValueError(f"unknown proof kind: {kind}")
        return self.gateway.get_pdf(f"/registered-letters/{_path(reference)}/proofs/{kind}")


class HttpIdentityProvider:
    name = "http"

    def __init__(self, gateway: HttpGateway | None = None) -> None:
        self.gateway = gateway or gateway_from_settings(
            url_setting="RESILIATION_IDENTITY_API_URL", key_setting="RESILIATION_IDENTITY_API_KEY",
            service="Le service de vérification d'identité")

    def identity_start(self, *, idempotency_key: str, holder_name: str, email: str,
                       mobile_phone: str) -> IdentityStart:
        answer = self.gateway.post_json("/identity-checks", {
            "client_reference": idempotency_key,
            "holder": {"name": holder_name, "email": email, "mobile_phone": mobile_phone},
            "return_url": conf.base_url() + reverse("resiliation:identity"),
            "webhook_url": _webhook_url("identity"),
        }, idempotency_key=idempotency_key)
        return IdentityStart(reference=self.gateway.text(answer, "reference", max_length=REFERENCE_MAX),
                             url=self.gateway.url(answer, "url"))
