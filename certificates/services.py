"""Issuing certificates: checked, rendered outside any transaction, then stored as issued (PDF
+ SHA-256) in one short transaction that checks the cover again."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import segno
from django.conf import settings
from django.db import transaction
from django.urls import reverse

from amiable.selectors import policy_cover_status
from certificates import codes
from certificates.models import Certificate
from certificates.selectors import certifiable_policies, policy_refusal
from portal import pdf
from portal.errors import ApplicationError, PermissionDeniedError
from portal.formatting import format_date
from portal.models import Area, Policy, User
from portal.selectors import user_has_area
from portal.uploads import PDF_TYPE

logger = logging.getLogger(__name__)

TEMPLATE = "certificates/certificate_pdf.html"
LONGEST_PERIOD_DAYS = 366  # a certificate covers at most one insurance year
LATEST_START_DAYS = 90  # and starts at most three months ahead


class CertificateAlteredError(RuntimeError):
    """The stored file of a certificate is not the one issued (its SHA-256 differs)."""


def verification_url(code: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + reverse("certificates:verify", kwargs={"code": code})


def _policy(*, by: User, policy_id: int) -> Policy:
    if not user_has_area(user=by, area=Area.CERTIFICATES):  # accounting staff, collaborators without it
        raise PermissionDeniedError("L'espace « Attestations » ne fait pas partie de vos habilitations.")
    policy = certifiable_policies(user=by).filter(id=policy_id).first()
    if policy is None:  # another organisation's, outside the delegation, or no such policy
        raise ApplicationError("Cette police ne fait pas partie des contrats que vous pouvez attester.",
                               field="policy")
    return policy


def _refuse_unless_in_force(*, policy: Policy, today: date, period_end: date) -> None:
    """Refused when the cycle amiable suspended or terminated the cover; while a formal notice
    runs, the period may not go beyond the eve of the planned suspension."""
    cover = policy_cover_status(policy_ids=[policy.id], today=today)[policy.id]
    if not cover.in_force:
        raise ApplicationError(f"Attestation refusée : {cover.reason}", field="policy", code="cover")
    if cover.suspension_planned and period_end >= cover.suspension_planned:
        eve = cover.suspension_planned - timedelta(days=1)
        raise ApplicationError(
            f"Une mise en demeure est en cours sur la police {policy.number} : ses garanties seront suspendues le "
            f"{format_date(cover.suspension_planned)} si la cotisation n'est pas réglée. L'attestation peut couvrir "
            f"au plus jusqu'au {format_date(eve)}.", field="period_end", code="cover")


def _check_period(*, period_start: date, period_end: date, today: date) -> None:
    if period_end < period_start:
        raise ApplicationError("La fin de la période de couverture précède son début.", field="period_end")
    if (period_start - today).days > LATEST_START_DAYS:
        raise ApplicationError(f"La période de couverture commence au plus tard {LATEST_START_DAYS} jours après "
                               f"aujourd'hui ({format_date(today)}).", field="period_start")
    if (period_start - today).days < -LATEST_START_DAYS:
        raise ApplicationError(f"La période de couverture ne peut pas commencer plus de {LATEST_START_DAYS} jours "
                               f"avant aujourd'hui ({format_date(today)}).", field="period_start")
    if (period_end - period_start).days >= LONGEST_PERIOD_DAYS:
        raise ApplicationError("Une attestation couvre au plus un an : raccourcissez la période.", field="period_end")


def certificate_render(*, policy: Policy, code: str, period_start: date, period_end: date, today: date,
                       place: str) -> bytes:
    url = verification_url(code)
    qr = segno.make_qr(url, error="m")
    return pdf.pdf_render(template_name=TEMPLATE, context={
        "policy": policy,
        "member": policy.member,
        "broker": policy.broker,
        "product": policy.product,
        "guarantees": policy.product.guarantees,
        "period_start": period_start,
        "period_end": period_end,
        "letter_date": today,
        "place": place,
        "code": code,
        "verification_url": url,
        "qr_code": qr.svg_data_uri(scale=4, border=2, dark="#000000"),
    })


def certificate_issue(*, by: User, policy_id: int, period_start: date, period_end: date, today: date) -> Certificate:
    """Issue a certificate for a policy the user may certify whose cover holds ``today``
    (refused with the cycle amiable's reason otherwise). The PDF is rendered outside any
    transaction; the cover is checked again in the one that stores it."""
    policy = _policy(by=by, policy_id=policy_id)
    _refuse_unless_in_force(policy=policy, today=today, period_end=period_end)
    refusal = policy_refusal(policy)
    if refusal:
        raise ApplicationError(f"Attestation impossible : {refusal}", field="policy")
    _check_period(period_start=period_start, period_end=period_end, today=today)
    place = (policy.broker.city if policy.broker else "") or "Lyon"
    code = codes.code_new()
    content = certificate_render(policy=policy, code=code, period_start=period_start, period_end=period_end,
                                 today=today, place=place)
    with transaction.atomic():
        Policy.objects.select_for_update().filter(id=policy.id).first()  # one issue at a time per policy
        _refuse_unless_in_force(policy=policy, today=today, period_end=period_end)
        document = pdf.document_store(content=content, name=f"attestation-{policy.number}.pdf", content_type=PDF_TYPE)
        return Certificate.objects.create(
            broker=policy.broker, member=policy.member, policy=policy, holder_name=policy.member.company_name,
            policy_number=policy.number, product_name=policy.product.name, period_start=period_start,
            period_end=period_end, issued_on=today, place=place, issued_by=by,
            verification_hash=codes.code_hash(code), document=document,
        )


def certificate_content(certificate: Certificate) -> bytes:
    """The certificate's PDF as issued: its SHA-256 checked against the one recorded at issue."""
    try:
        content = pdf.document_bytes(certificate.document)
    except FileNotFoundError:
        logger.error("certificate %s: stored PDF missing", certificate.id)
        raise CertificateAlteredError(certificate.id) from None
    if pdf.sha256_hex(content) != certificate.document.sha256:
        logger.error("certificate %s: stored PDF altered (SHA-256 differs)", certificate.id)
        raise CertificateAlteredError(certificate.id)
    return content
