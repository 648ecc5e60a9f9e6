"""Fixtures of the certificates: products with their main guarantees, policies imported the way
the insurer's system sends them (with a product code), cases of the cycle amiable opened and
moved by its daily run, certificates issued through the service."""

from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pytest

from amiable import cycle
from amiable.models import Case
from certificates import services
from certificates.forms import default_period_end
from certificates.models import Certificate, ProductGuarantee
from portal import clock
from portal import services as portal_services
from portal.businessdays import BusinessCalendar
from portal.models import Area, Policy, Product, Role
from tests.conftest import PASSWORD

CAL = BusinessCalendar()
DUE = date(2026, 2, 2)  # a Monday: default 12/02, window end 19/02
NOTICE = date(2026, 2, 20)  # formal notice (no answer)
SUSPENSION = date(2026, 3, 23)  # 20/02 + 30 days = Sunday 22/03 → Monday 23/03
TERMINATION = date(2026, 4, 1)  # 20/02 + 40 days
CODE = re.compile(r"\b[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}\b")


@pytest.fixture
def product(db):
    product = Product.objects.create(code="pyramide-artisan", name="Pyramide Artisan")
    ProductGuarantee.objects.create(product=product, position=1, label="Responsabilité civile exploitation",
                                    limit="8 000 000 € par sinistre")
    ProductGuarantee.objects.create(product=product, position=2, label="Responsabilité civile décennale",
                                    limit="Coût des travaux de réparation")
    return product


@pytest.fixture
def insured(product):
    """Import a premium call on a policy of ``product`` (the insurer's import): its policy."""

    def _insured(*, policy_number="P-1", member_number="M-1", company_name="MENUISERIE DUPOND", broker=None,
                 reference=None, due_date=DUE, amount="1000.00", product_code="pyramide-artisan") -> Policy:
        portal_services.emissions_import(rows=[portal_services.EmissionRow(
            reference=reference or f"EM-{policy_number}", policy_number=policy_number, member_number=member_number,
            company_name=company_name, broker_orias=broker.orias if broker else None,
            broker_manages=broker is not None, due_date=due_date, amount=Decimal(amount), product=product_code,
        )], today=date(2026, 3, 2))
        return Policy.objects.select_related("member", "product").get(number=policy_number)

    return _insured


@pytest.fixture
def policy(insured, org):
    return insured(broker=org)


@pytest.fixture
def other_policy(insured, other_org):
    return insured(policy_number="P-9", member_number="M-9", company_name="BOULANGERIE AUTRE", broker=other_org)


@pytest.fixture
def tick(db):
    def _tick(day: date):
        return cycle.amiable_tick(today=day, calendar=CAL)

    return _tick


@pytest.fixture
def notice(tick):
    """Run the cycle amiable until the formal notice of a policy's unpaid premium (20/02/2026)."""

    def _notice(policy: Policy) -> Case:
        tick(date(2026, 2, 12))
        tick(NOTICE)
        return Case.objects.get(policy=policy)

    return _notice


@pytest.fixture
def certificates_collaborator(collaborator, delegate, policy):
    """A collaborator delegated the policy's client for the certificates."""
    delegate(collaborator, [policy.member], areas=(Area.CERTIFICATES,), name="Attestations")
    return collaborator


@pytest.fixture
def amiable_collaborator(org, delegate, policy):
    """A collaborator delegated the same client, for the cycle amiable only."""
    user = portal_services.user_create(email="amiable@un.test", password=PASSWORD, role=Role.COLLABORATOR,
                                       organisation=org, first_name="Anne", last_name="Amiable")
    delegate(user, [policy.member], areas=(Area.AMIABLE,), name="Amiable")
    return user


@pytest.fixture
def outside_collaborator(org, delegate, insured):
    """A collaborator with the certificates area, delegated another client of the organisation."""
    elsewhere = insured(policy_number="P-2", member_number="M-2", company_name="PLOMBERIE AILLEURS", broker=org)
    user = portal_services.user_create(email="ailleurs@un.test", password=PASSWORD, role=Role.COLLABORATOR,
                                       organisation=org, first_name="Alix", last_name="Ailleurs")
    delegate(user, [elsewhere.member], areas=(Area.CERTIFICATES,), name="Ailleurs")
    return user


@pytest.fixture
def issue(db):
    """Issue a certificate through the service, for a year from the business date."""

    def _issue(user, policy: Policy, *, start: date | None = None, end: date | None = None) -> Certificate:
        today = clock.business_today()
        return services.certificate_issue(by=user, policy_id=policy.id, period_start=start or today,
                                          period_end=end or default_period_end(today),
                                          today=today)

    return _issue


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def code_of(certificate: Certificate) -> str:
    """The verification code printed on a certificate (never stored: read from its PDF)."""
    return CODE.search(pdf_text(services.certificate_content(certificate))).group(0)


@pytest.fixture
def pay(db):
    """The insurer's payment import: ``amount`` received on ``paid_on`` for a case's premium call."""

    def _pay(case: Case, amount: str, paid_on: date):
        portal_services.payments_import(rows=[portal_services.PaymentRow(
            case.premium_call.reference, Decimal(amount), paid_on, f"VIR-{case.premium_call.reference}-{paid_on}",
        )], today=paid_on)

    return _pay
