"""Strong (eIDAS) identification of the account holder (seed 001 §7), through the identity
provider (``RESILIATION_IDENTITY_PROVIDER``): « Continuer la vérification » debits 14,40 € at
once and opens a check at the provider; the holder is then identified on the operator's pages
and the provider says the outcome by webhook (``identity.verified`` / ``identity.failed``).
The sandbox operator (development and tests) is a page of the portal that shows the SMS code
to type. A verified holder sends qualified LRE to identified recipients."""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from django.db import transaction

from portal.errors import ApplicationError
from portal.models import User
from portal.providers import SANDBOX
from portal.webhooks import WebhookRetry
from resiliation import charges
from resiliation.models import IdentityStatus, IdentityVerification
from resiliation.providers import identity_provider
from resiliation.rules import MOBILE
from resiliation.selectors import identity_check_in_sandbox, identity_status


def identity_check_start(*, user: User, mobile_phone: str, email: str, confirmed: bool, price_accepted: bool,
                         now: datetime) -> IdentityVerification:
    provider = identity_provider()  # a refused provider (sandbox in production) debits nothing
    if not user.is_org_admin:
        raise ApplicationError("Cette procédure ne peut être effectuée que par le titulaire du compte.")
    if not MOBILE.match((mobile_phone or "").strip()):
        raise ApplicationError("Saisissez un numéro de mobile français (06 ou 07).", field="mobile_phone")
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", (email or "").strip()):
        raise ApplicationError("Saisissez une adresse e-mail valide.", field="email")
    if not confirmed:
        raise ApplicationError("Confirmez les informations ci-dessus.", field="confirmed")
    if not price_accepted:
        raise ApplicationError("Acceptez que le montant soit déduit de votre crédit.", field="price_accepted")
    with transaction.atomic():
        if identity_status(user=user):
            raise ApplicationError("Une vérification d'identité est déjà en cours ou réalisée.")
        check = IdentityVerification.objects.create(
            user=user, organisation_id=user.organisation_id, mobile_phone=mobile_phone.strip(),
            email=email.strip(), provider=provider.name,
            # the sandbox operator's SMS code, shown on its page; a real operator keeps its own
            code=f"{secrets.randbelow(10 ** 6):06d}" if provider.name == SANDBOX else "")
        check.debit_entry_id = charges.debit(
            organisation=user.organisation, products=["identity_check"], key=f"resiliation:identity:{check.pk}",
            label="Vérification d'identité eIDAS", on=now.date(), by=user)
        check.save(update_fields=["debit_entry_id"])
    try:
        return identity_check_open(check=check)
    except ApplicationError:
        return check  # paid and pending: « Continuer la vérification » opens it at the provider again


def identity_check_open(*, check: IdentityVerification) -> IdentityVerification:
    """Open a pending check at its provider (outside any transaction); again with the same
    idempotency key when an earlier attempt got no answer. ApplicationError when the provider
    does not answer."""
    if check.provider_reference or check.status != IdentityStatus.PENDING:
        return check
    user = check.user
    start = identity_provider(check.provider).identity_start(
        idempotency_key=f"identity-{check.pk}", holder_name=user.get_full_name() or user.email, email=check.email,
        mobile_phone=check.mobile_phone)
    IdentityVerification.objects.filter(pk=check.pk, provider_reference="").update(
        provider_reference=start.reference, verification_url=start.url)
    check.refresh_from_db()
    return check


def identity_check_confirm(*, check: IdentityVerification, code: str, now: datetime) -> IdentityVerification:
    """The sandbox operator's last step: the code received by SMS."""
    if not identity_check_in_sandbox(check):
        raise ApplicationError("Cette vérification se fait chez l'opérateur de vérification d'identité.")
    if check.status != IdentityStatus.PENDING:
        raise ApplicationError("Cette vérification est terminée.")
    if not check.code or not secrets.compare_digest(check.code, (code or "").strip()):
        raise ApplicationError("Le code saisi est incorrect.", field="code")
    updated = IdentityVerification.objects.filter(pk=check.pk, status=IdentityStatus.PENDING).update(
        status=IdentityStatus.VERIFIED, verified_at=now)
    if not updated:
        raise ApplicationError("Cette vérification est terminée.")
    check.refresh_from_db()
    return check


# ------------------------------------------------------------------------------ webhooks


def _check_for(event: dict) -> IdentityVerification:
    """The check of an event: opened at that provider (its name) under that reference."""
    check = (IdentityVerification.objects.select_for_update()
             .filter(provider=event["provider"], provider_reference=event["reference"]).first())
    if check is None:
        raise WebhookRetry("vérification d'identité inconnue")
    return check


def identity_event_verified(*, event: dict, now: datetime) -> bool:
    check = _check_for(event)
    if check.status != IdentityStatus.PENDING:
        return False
    check.status, check.verified_at = IdentityStatus.VERIFIED, event["occurred"]
    check.save(update_fields=["status", "verified_at"])
    return True


def identity_event_failed(*, event: dict, now: datetime) -> bool:
    """The operator could not identify the holder: the check ends (a new one may be started)."""
    check = _check_for(event)
    if check.status != IdentityStatus.PENDING:
        return False
    check.status = IdentityStatus.FAILED
    check.save(update_fields=["status"])
    return True
