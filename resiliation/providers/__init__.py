"""Provider interfaces (e-signature, registered e-mail, identity) and the configured
implementations: ``RESILIATION_SIGNATURE_PROVIDER``, ``RESILIATION_REGISTERED_MAIL_PROVIDER``,
``RESILIATION_IDENTITY_PROVIDER`` = ``http`` (the provider's gateway) or ``sandbox``
(development and tests only: refused where ``PORTAL_SANDBOX_PROVIDERS`` is false).

A factory called with ``name`` gives the implementation an object was handed to (the name
recorded with it), so that its proofs come from the provider that holds it."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from portal.providers import HTTP, SANDBOX, sandbox_guard
from resiliation.providers.base import (
    IdentityProvider,
    IdentityStart,
    RegisteredMailProvider,
    SignatureProvider,
    SignatureStart,
)

__all__ = ["IdentityProvider", "IdentityStart", "RegisteredMailProvider", "SignatureProvider", "SignatureStart",
           "KIND_SETTINGS", "identity_provider", "provider_for_kind", "registered_mail_provider",
           "signature_provider"]

# The webhook kind (URL ``webhooks/<kind>/``) → the setting naming its provider.
KIND_SETTINGS = {
    "signature": "RESILIATION_SIGNATURE_PROVIDER",
    "registered_mail": "RESILIATION_REGISTERED_MAIL_PROVIDER",
    "identity": "RESILIATION_IDENTITY_PROVIDER",
}


def _name(kind: str, name: str | None) -> str:
    setting = KIND_SETTINGS[kind]
    chosen = name or getattr(settings, setting)
    if chosen == SANDBOX:
        sandbox_guard(setting)
    elif chosen != HTTP:
        raise ImproperlyConfigured(f"{setting} : prestataire inconnu « {chosen} » (http ou sandbox).")
    return chosen


def signature_provider(name: str | None = None) -> SignatureProvider:
    if _name("signature", name) == SANDBOX:
        from resiliation.sandbox.provider import SandboxSignatureProvider

        return SandboxSignatureProvider()
    from resiliation.providers.http import HttpSignatureProvider

    return HttpSignatureProvider()


def registered_mail_provider(name: str | None = None) -> RegisteredMailProvider:
    if _name("registered_mail", name) == SANDBOX:
        from resiliation.sandbox.provider import SandboxRegisteredMailProvider

        return SandboxRegisteredMailProvider()
    from resiliation.providers.http import HttpRegisteredMailProvider

    return HttpRegisteredMailProvider()


def identity_provider(name: str | None = None) -> IdentityProvider:
    if _name("identity", name) == SANDBOX:
        from resiliation.sandbox.provider import SandboxIdentityProvider

        return SandboxIdentityProvider()
    from resiliation.providers.http import HttpIdentityProvider

    return HttpIdentityProvider()


def provider_for_kind(kind: str) -> str:
    """The name of the provider configured for a webhook kind (refused: a sandbox in production)."""
    return _name(kind, None)
