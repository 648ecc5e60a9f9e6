"""Provider interfaces (e-signature, registered e-mail) and the configured implementations."""

from __future__ import annotations

from resiliation.conf import setting
from resiliation.providers.base import RegisteredMailProvider, SignatureProvider, SignatureStart

__all__ = ["RegisteredMailProvider", "SignatureProvider", "SignatureStart", "registered_mail_provider",
           "signature_provider"]


def signature_provider() -> SignatureProvider:
    name = setting("RESILIATION_SIGNATURE_PROVIDER", "sandbox")
    if name == "sandbox":
        from resiliation.providers.sandbox import SandboxSignatureProvider

        return SandboxSignatureProvider()
    raise LookupError(f"Prestataire de signature inconnu : {name}")


def registered_mail_provider() -> RegisteredMailProvider:
    name = setting("RESILIATION_REGISTERED_MAIL_PROVIDER", "sandbox")
    if name == "sandbox":
        from resiliation.providers.sandbox import SandboxRegisteredMailProvider

        return SandboxRegisteredMailProvider()
    raise LookupError(f"Prestataire de LRE inconnu : {name}")
