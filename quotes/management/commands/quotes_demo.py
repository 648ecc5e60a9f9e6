"""Demo Pyramide Artisan quotes for the demo organisations' administrators (idempotent; run by
``seed_demo``): recent ones (valide) and older ones (expiré), issued through the service at
their dates."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from portal import clock
from portal.errors import ApplicationError
from portal.management.demo import DemoCommand
from portal.models import User
from quotes import services
from quotes.models import Quote, Trade

# (days before today, prospect, trade, turnover, staff, m², options)
QUOTES = [
    (52, "Boulangerie Martin SARL", "Boulanger-pâtissier", "420000", 6, 140, ["business_interruption"]),
    (38, "Électricité Garnier", "Électricien", "185000", 2, 60, ["legal_protection"]),
    (21, "Menuiserie du Vercors SAS", "Menuisier", "960000", 11, 450, ["machinery_breakdown", "business_interruption"]),
    (9, "Coiffure Léa", "Coiffeur", "95000", 1, 55, []),
    (3, "Plomberie Rossi EURL", "Plombier-chauffagiste", "310000", 4, 80,
     ["machinery_breakdown", "legal_protection"]),
    (0, "Garage des Alpes", "Garagiste - mécanicien automobile", "1250000", 9, 620,
     ["machinery_breakdown", "business_interruption", "legal_protection"]),
]
USERS = ["courtier@demo.test", "agent@demo.test"]


class Command(DemoCommand):
    help = "Crée des devis Pyramide Artisan de démonstration (idempotent)."

    def handle(self, *args, **options):
        today = clock.business_today()
        trades = {trade.name: trade for trade in Trade.objects.all()}
        issued = 0
        for email in USERS:
            user = User.objects.filter(email__iexact=email).select_related("organisation").first()
            if user is None or Quote.objects.filter(organisation_id=user.organisation_id).exists():
                continue
            for index, (days, prospect, trade, turnover, staff, area, chosen) in enumerate(QUOTES):
                if email != USERS[0] and index % 2:
                    continue
                try:
                    services.quote_issue(by=user, prospect_name=prospect, trade=trades.get(trade),
                                         turnover=Decimal(turnover), staff_count=staff, premises_area=area,
                                         options=chosen, today=today - timedelta(days=days))
                except ApplicationError as error:  # e.g. no grid in effect yet at that date
                    self.stdout.write(f"Devis de {prospect} non établi : {error.message}")
                    continue
                issued += 1
        self.stdout.write(f"Devis Pyramide Artisan : {issued} devis établi(s).")
