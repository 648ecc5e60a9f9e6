"""A small portfolio for the browser tests of every page, built through the services: cases at
several steps of the cycle amiable, termination letters (drafts, a scheduled one, long names and
statuses), an ORIAS certificate and credit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile

from portal import clock, services
from portal.businessdays import BusinessCalendar
from portal.models import Member
from tests.files import PDF_BYTES as PDF  # a real PDF: uploads are opened with pypdf

COMPANIES = ["ÉLECTRICITÉ GÉNÉRALE DU GRÉSIVAUDAN ET DES TROIS VALLÉES SARL", "BOULANGERIE MARTIN SARL",
             "TERRASSEMENT MOREL EI", "Élagage Blanc", "PLOMBERIE DUBOIS SAS", "ZINGUERIE ROUX"]


@dataclass
class Portfolio:
    draft_id: int
    scheduled_id: int
    case_ids: list[int]


def portfolio(*, organisation, administrator, clerk) -> Portfolio:
    from amiable import cycle
    from amiable import services as amiable
    from amiable.models import Case
    from billing import services as billing
    from resiliation import services as resiliation
    from resiliation.insurers import insurers_load
    from resiliation.models import Insurer

    calendar = BusinessCalendar()
    for index in range(30):
        due = date(2026, 2, 2) if index % 3 else date(2026, 2, 18)
        services.emissions_import(rows=[services.EmissionRow(
            reference=f"EM-{index}", policy_number=f"P-{index:04d}", member_number=f"M-{index % 6}",
            company_name=COMPANIES[index % 6], broker_orias=organisation.orias, broker_manages=index % 5 != 0,
            due_date=due, amount=Decimal("1504.96") + index)])
    for member in Member.objects.all():
        services.contact_add(member=member, email=f"compta@{member.member_number.lower()}.test", is_accounting=True)
    services.contact_add(organisation=organisation, email="compta@cabinet.test", is_accounting=True)
    cycle.amiable_tick(today=date(2026, 2, 12), calendar=calendar)
    cycle.amiable_tick(today=clock.business_today(), calendar=calendar)

    answerable = Case.objects.filter(stage="open", broker_manages=True, answer="",
                                     reminder_date=clock.business_today()).order_by("id")
    for index, case in enumerate(answerable[:3]):
        amiable.case_answer(case=case, by=administrator, requested=index < 2, reason="other",
                            comment="Cession du fonds de commerce en cours : paiement par le notaire à la "
                                    "signature de l'acte, prévue le mois prochain.",
                            today=clock.business_today(), calendar=calendar)

    insurers_load(Insurer)
    insurer = Insurer.objects.get(name="MAAF ASSURANCES")
    subscriber = resiliation.SubscriberData(
        civility="M", last_name="DE LA ROCHEFOUCAULD-MONTBRUN", first_name="Jean-Baptiste",
        company_name="SOCIÉTÉ CIVILE IMMOBILIÈRE DES GRANDS PRÉS", address_line1="2 rue des fleurs",
        postal_code="38000", city="Grenoble", email="jean-baptiste.rochefoucauld@client.test")
    contract = resiliation.ContractData(contract_type="auto", reference="1234-5678-9012", reason="main_due_date",
                                        main_due_date=date(2026, 7, 1))
    draft = resiliation.letter_create(by=administrator, subscriber=subscriber, insurer=insurer, contract=contract)
    resiliation.letter_create(by=administrator, subscriber=subscriber, insurer=insurer, contract=contract)
    resiliation.orias_certificate_add(organisation=organisation, by=administrator,
                                      upload=SimpleUploadedFile("orias.pdf", PDF, content_type="application/pdf"),
                                      valid_until=date(2026, 12, 31), today=clock.business_today())
    billing.price_list_install_defaults()
    billing.account_adjust(organisation=organisation, amount=Decimal("1234.56"), reason="Crédit de test", by=clerk,
                           on=clock.business_today())
    scheduled = resiliation.letter_create(by=administrator, subscriber=subscriber, insurer=insurer, contract=contract)
    resiliation.letter_mandate_choose(letter=scheduled, choice="not_attached", today=clock.business_today(),
                                  confirmed=True)
    resiliation.letter_confirm(letter=scheduled, by=administrator, with_acknowledgement=True, start=None,
                           send=date(2026, 3, 20), dates_confirmed=True, now=clock.local_now())
    return Portfolio(draft_id=draft.pk, scheduled_id=scheduled.pk,
                     case_ids=list(Case.objects.order_by("id").values_list("id", flat=True)))
