"""Strong (eIDAS) identification of the account holder (seed 001 §7), through a sandbox
verification: « Continuer la vérification » debits 14,40 € at once, the sandbox operator then
checks the holder and sends a code to type in. A verified holder sends qualified LRE to
identified recipients."""

from __future__ import annotations

import re
import secrets
from datetime import datetime

from django.db import transaction

from portal.errors import ApplicationError
from portal.models import User
from resiliation import charges
from resiliation.models import IdentityStatus, IdentityVerification
from resiliation.signatures import MOBILE


def identity_status(*, user: User) -> IdentityVerification | None:
    return IdentityVerification.objects.filter(user=user, status__in=["pending", "verified"]).first()


def identity_check_start(*, user: User, mobile_phone: str, email: str, confirmed: bool, price_accepted: bool,
                         now: datetime) -> IdentityVerification:
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
            email=email.strip(), code=f"{secrets.randbelow(10 ** 6):06d}")
        check.debit_entry_id = charges.debit(
            organisation=user.organisation, products=["identity_check"], key=f"resiliation:identity:{check.pk}",
            label="Vérification d'identité eIDAS", on=now.date(), by=user)
        check.save(update_fields=["debit_entry_id"])
    return check


def identity_check_confirm(*, check: IdentityVerification, code: str, now: datetime) -> IdentityVerification:
    """The sandbox operator's last step: the code received by SMS."""
    if check.status != IdentityStatus.PENDING:
        raise ApplicationError("Cette vérification est terminée.")
    if not secrets.compare_digest(check.code, (code or "").strip()):
        raise ApplicationError("Le code saisi est incorrect.", field="code")
    updated = IdentityVerification.objects.filter(pk=check.pk, status=IdentityStatus.PENDING).update(
        status=IdentityStatus.VERIFIED, verified_at=now)
    if not updated:
        raise ApplicationError("Cette vérification est terminée.")
    check.refresh_from_db()
    return check
