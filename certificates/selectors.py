"""Reads of the certificates, scoped to what the user may see (SPEC §2): an administrator, the
organisation's clients and certificates; a collaborator with the « attestations » area, those of
the clients delegated to them (``portal.selectors.policy_scope_q``, on the certificate's own
broker and member, those of its policy at issue)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch, Q, QuerySet

from amiable.selectors import CoverStatus, policy_cover_status
from certificates import codes
from certificates.models import Certificate, ProductGuarantee
from portal.models import Area, Member, Policy, User
from portal.selectors import members_visible_to, policies_visible_to, policy_scope_q
from portal.sorting import SortKey

AREA = Area.CERTIFICATES
CLIENTS_SHOWN = 20  # the clients a search shows at most


def certificates_visible_to(*, user: User) -> QuerySet[Certificate]:
    return Certificate.objects.filter(policy_scope_q(user=user, area=AREA))


def certificate_rows_for(*, user: User) -> QuerySet[Certificate]:
    """The list « Attestations délivrées », newest first (one query per page of rows)."""
    return certificates_visible_to(user=user).select_related("issued_by", "document").order_by("-id")


def certificate_for(*, user: User, certificate_id: int) -> Certificate | None:
    return certificates_visible_to(user=user).select_related("document").filter(id=certificate_id).first()


def clients_for(*, user: User, search: str) -> list[Member]:
    """The clients (sociétaires) a search finds among those the user may certify: by name or
    number, at most ``CLIENTS_SHOWN``; none without a search."""
    if not search:
        return []
    found = members_visible_to(user=user, area=AREA).filter(
        Q(company_name__icontains=search) | Q(member_number__istartswith=search)
    ).order_by(SortKey("company_name"), "company_name", "id")
    return list(found[:CLIENTS_SHOWN])


def client_for(*, user: User, member_id: int | None) -> Member | None:
    if member_id is None:
        return None
    return members_visible_to(user=user, area=AREA).filter(id=member_id).first()


@dataclass(frozen=True)
class PolicyChoice:
    policy: Policy
    cover: CoverStatus

    @property
    def refusal(self) -> str:
        """Why no certificate may be issued for it (French), or an empty string."""
        if not self.cover.in_force:
            return self.cover.reason
        return policy_refusal(self.policy)


def policy_refusal(policy: Policy) -> str:
    """What the policy itself lacks for a certificate (its product and the product's guarantees,
    prefetched as ``guarantees``), else an empty string."""
    if policy.product is None:
        return f"la police {policy.number} n'a pas de produit connu : contactez L'Auxiliaire."
    if not policy.product.guarantees:
        return (f"les garanties du produit {policy.product.name} ne sont pas encore renseignées : "
                "contactez L'Auxiliaire.")
    return ""


def certifiable_policies(*, user: User) -> QuerySet[Policy]:
    """The policies the user may certify, with their product and its guarantees (in order)."""
    return policies_visible_to(user=user, area=AREA).select_related("product", "member", "broker").prefetch_related(
        Prefetch("product__certificate_guarantees", queryset=ProductGuarantee.objects.order_by("position", "id"),
                 to_attr="guarantees")
    )


def policy_choices_for(*, user: User, member: Member, today: date) -> list[PolicyChoice]:
    """The client's policies the user may see, each with its cover on ``today`` (the cycle
    amiable's word: ``amiable.selectors.policy_cover_status``)."""
    policies = list(certifiable_policies(user=user).filter(member=member).order_by("number"))
    covers = policy_cover_status(policy_ids=[policy.id for policy in policies], today=today)
    return [PolicyChoice(policy, covers[policy.id]) for policy in policies]


def certificate_by_code(code: str) -> Certificate | None:
    """The certificate of a verification code: one lookup by the hash of whatever is given (a
    malformed code is hashed too and simply not found)."""
    return Certificate.objects.filter(verification_hash=codes.code_hash(code)).only(
        "holder_name", "period_start", "period_end").first()
