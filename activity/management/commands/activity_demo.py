"""Demo figures for « Suivre votre activité » (idempotent; run by ``seed_demo`` after the other
apps' demo data): two years of quarterly premium calls before the three months ``seed_demo``
imports, most paid, imported through the same services as the insurer's system; the Isère
collaborator of the demo organisation gets the area; two news items; then the figures are
refreshed (what the beat schedule does every morning)."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

from activity import periods, services
from portal import clock
from portal import services as portal_services
from portal.management.demo import DemoCommand
from portal.models import Area, DelegationProfile, NewsItem, Organisation, Policy, PremiumCall, User

DEMO_ORIAS = ("07000001", "07000002", "07000003", "07000004")


class Command(DemoCommand):
    help = "Crée les chiffres de démonstration de « Suivre votre activité » (idempotent)."

    def handle(self, *args, **options):
        today = clock.business_today()
        created = self._history(today)
        self._delegation()
        self._news(today)
        report = services.activity_refresh(today=today, now=clock.local_now())
        self.stdout.write(f"Suivi d'activité : {created} émissions d'historique, chiffres recalculés "
                          f"({report.monthly_rows} lignes mensuelles, {report.product_rows} par produit).")

    def _history(self, today) -> int:
        if PremiumCall.objects.filter(reference__startswith="HIST-").exists():
            return 0
        rng = random.Random(13)
        rows, payments = [], []
        current = periods.month_of(today)
        policies = Policy.objects.filter(broker__orias__in=DEMO_ORIAS).select_related("member", "broker", "product")
        for policy in policies.order_by("number"):
            for quarter in range(1, 8):  # 4 to 22 months ago
                due = periods.add_months(current, -(3 * quarter + 1)) + timedelta(days=rng.randint(0, 20))
                reference = f"HIST-{policy.number}-{quarter}"
                amount = Decimal(rng.randrange(18000, 480000)) / 100
                rows.append(portal_services.EmissionRow(
                    reference=reference, policy_number=policy.number, member_number=policy.member.member_number,
                    company_name=policy.member.company_name, broker_orias=policy.broker.orias,
                    broker_manages=policy.broker_manages, due_date=due, amount=amount,
                    product=policy.product.code if policy.product else None))
                draw = rng.random()
                if draw < 0.9:
                    paid = amount if draw < 0.84 else (amount * Decimal("0.5")).quantize(Decimal("0.01"))
                    payments.append(portal_services.PaymentRow(reference, paid, due + timedelta(days=rng.randint(0, 12)),
                                                               f"PAY-{reference}"))
        if rows:
            portal_services.emissions_import(rows=rows, today=today)
            portal_services.payments_import(rows=payments, today=today)
        return len(rows)

    def _delegation(self) -> None:
        organisation = Organisation.objects.filter(orias="07000001").first()
        collaborator = User.objects.filter(email__iexact="collab@demo.test").first()
        if organisation is None or collaborator is None:
            return
        if DelegationProfile.objects.filter(organisation=organisation, name="Suivi d'activité Isère").exists():
            return
        membership = collaborator.memberships.filter(organisation=organisation).first()
        if membership is None:
            return
        portal_services.delegation_profile_create(organisation=organisation, name="Suivi d'activité Isère",
                                                  areas=[Area.ACTIVITY], departements=["38"],
                                                  collaborators=[membership])

    def _news(self, today) -> None:
        items = [
            ("Suivez votre activité en un coup d'œil",
             "Polices en vigueur par produit, cotisations appelées et encaissées sur 24 mois, dossiers du "
             "cycle amiable : **Suivre votre activité** rassemble vos chiffres, à télécharger en Excel."),
            ("Le cycle amiable évolue",
             "Les demandes de prolongation de 25 jours ouvrés se font désormais en ligne, avec un justificatif."),
        ]
        for title, body in items:
            NewsItem.objects.get_or_create(title=title, defaults={
                "body": body, "starts_on": today - timedelta(days=7), "ends_on": today + timedelta(days=60)})
