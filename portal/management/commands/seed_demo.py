"""Demo data and logins (SPEC §8). Idempotent: run it as often as you like.

Logins (password ``demo``): courtier@demo.test (administrator of ORIAS 07000001, and
collaborator of Rhône Courtage, ORIAS 07000003, to try « Changer de compte entreprise »),
collab@demo.test (collaborator of 07000001, delegated its Isère clients: département 38),
compta@demo.test (accounting, may call the system API), agent@demo.test (administrator of
another organisation). A login that exists already
is left as it is: a rerun never resets a password someone changed.

Refused unless the settings allow demo data (``PORTAL_DEMO_DATA``: the dev and test settings,
never production): a staff login with a known password has no place on a real server.

Dates are relative to the business date (``PORTAL_TODAY`` when set): premium calls of the
last three months, most paid, some partly, some not. The business apps then add their own
demo data through the demo commands they register (``portal.navigation``), in the order of
INSTALLED_APPS.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from django.core.management import call_command
from django.db import transaction
from rest_framework.authtoken.models import Token

from portal import accounts, clock, navigation, services
from portal.management.demo import DemoCommand
from portal.models import Area, DelegationProfile, Member, Membership, Organisation, PremiumCall, Product, Role, User

PASSWORD = "demo"

ORGANISATIONS = [
    # orias, name, trade name, city, postal code, policies
    ("07000001", "Cabinet Démo Courtage SARL", "Démo Courtage", "Grenoble", "38000", 140),
    ("07000002", "Agence Alpes Assurances", "Alpes Assurances", "Chambéry", "73000", 90),
    ("07000003", "Rhône Courtage Conseil", "Rhône Courtage", "Lyon", "69003", 40),
    ("07000004", "Atlantique Risques Pro", "Atlantique Risques", "Nantes", "44000", 30),
]
TRADES = [
    "BOULANGERIE", "MENUISERIE", "PLOMBERIE", "ÉLECTRICITÉ", "MAÇONNERIE", "TRANSPORTS", "GARAGE",
    "COUVERTURE", "PEINTURE", "CHARPENTE", "CARRELAGE", "PAYSAGISTE", "SERRURERIE", "TERRASSEMENT",
]
NAMES = [
    "MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT", "DURAND", "LEROY", "MOREAU",
    "SIMON", "LAURENT", "LEFEBVRE", "MICHEL", "GARCIA", "DAVID", "BERTRAND", "ROUX", "VINCENT", "FOURNIER",
    "MOREL", "GIRARD", "ANDRÉ", "MERCIER", "BLANC", "GUÉRIN", "BOYER", "GARNIER", "CHEVALIER", "FRANÇOIS",
]
FORMS = ["SARL", "SAS", "EURL", "SA", "EI"]
STREETS = ["rue de la République", "avenue Jean Jaurès", "boulevard Gambetta", "chemin de la Ferrière",
           "place du Marché", "rue des Fleurs", "allée des Tilleuls", "route de Lyon"]


class Command(DemoCommand):
    help = "Crée les données et les comptes de démonstration (idempotent)."

    def handle(self, *args, **options):
        today = clock.business_today()
        with transaction.atomic():
            organisations = self._organisations()
            users = self._users(organisations)
            self._products()
            seeded = Member.objects.filter(member_number__startswith="9").exists()
            if not seeded:
                self._portfolio(organisations, today)
            self._delegation(organisations["07000001"], users["collab"])
            self._second_organisation(organisations["07000003"], users["courtier"])
        self.stdout.write(f"Données de démonstration prêtes au {today:%d/%m/%Y}.")
        for name in navigation.demo_commands():
            call_command(name, stdout=self.stdout)
        token = Token.objects.get_or_create(user=users["compta"])[0]
        self.stdout.write(
            "Connexions (mot de passe « demo ») : courtier@demo.test (deux cabinets), collab@demo.test, "
            f"compta@demo.test, agent@demo.test. Jeton API de compta@demo.test : {token.key}"
        )

    def _organisations(self) -> dict[str, Organisation]:
        result = {}
        for index, (orias, name, trade, city, postal_code, _) in enumerate(ORGANISATIONS):
            organisation = Organisation.objects.filter(orias=orias).first() or services.organisation_create(
                orias=orias,
                name=name,
                trade_name=trade,
                siren=f"{812345670 + index * 7:09d}",
                address_line1=f"{index + 2} {STREETS[index]}",
                postal_code=postal_code,
                city=city,
                phone=f"04 76 00 0{index} 0{index}",
                email=f"contact@{orias}.demo.test",
            )
            services.contact_add(
                organisation=organisation,
                email=f"comptabilite@{orias}.demo.test",
                name="Service comptabilité",
                is_accounting=True,
            )
            result[orias] = organisation
        return result

    def _users(self, organisations) -> dict[str, User]:
        specs = {
            "courtier": ("courtier@demo.test", Role.ADMINISTRATOR, organisations["07000001"], "Claire", "Courtier"),
            "collab": ("collab@demo.test", Role.COLLABORATOR, organisations["07000001"], "Colin", "Laborateur"),
            "compta": ("compta@demo.test", Role.ACCOUNTING, None, "Camille", "Comptable"),
            "agent": ("agent@demo.test", Role.ADMINISTRATOR, organisations["07000002"], "Antoine", "Agent"),
        }
        users = {}
        for key, (email, role, organisation, first_name, last_name) in specs.items():
            # An existing login keeps its password and state (changed or deactivated on purpose).
            users[key] = User.objects.filter(email__iexact=email).first() or services.user_create(
                email=email, password=PASSWORD, role=role, organisation=organisation,
                first_name=first_name, last_name=last_name,
            )
        services.accounting_group_sync()
        return users

    def _products(self) -> None:
        for code, name in PRODUCTS:
            Product.objects.get_or_create(code=code, defaults={"name": name})

    def _portfolio(self, organisations, today: date) -> None:
        rng = random.Random(2026)
        rows, member_index = [], 0
        for orias, *_rest, policy_count in ORGANISATIONS:
            for policy_index in range(policy_count):
                if policy_index % 3 != 2 or member_index == 0:
                    member_index += 1
                member_number = f"9{member_index:06d}"
                company = f"{rng.choice(TRADES)} {rng.choice(NAMES)} {rng.choice(FORMS)}"
                policy_number = f"{orias[-2:]}{policy_index + 1:07d}"
                manages = rng.random() < 0.8
                for month, days_ago in enumerate((95, 65, 35, 16)):
                    due = today - timedelta(days=days_ago + rng.randint(-4, 4))
                    rows.append(
                        services.EmissionRow(
                            reference=f"EM-{policy_number}-{month + 1}",
                            policy_number=policy_number,
                            member_number=member_number,
                            company_name=company,
                            broker_orias=orias,
                            broker_manages=manages,
                            due_date=due,
                            amount=Decimal(rng.randrange(18000, 480000)) / 100,
                            product=PRODUCTS[policy_index % len(PRODUCTS)][0],
                        )
                    )
        services.emissions_import(rows=_consistent(rows))
        self._contacts_and_addresses(rng)
        self._payments(rng, today)

    def _contacts_and_addresses(self, rng) -> None:
        for member in Member.objects.filter(member_number__startswith="9"):
            member.address_line1 = f"{rng.randint(1, 120)} {rng.choice(STREETS)}"
            member.postal_code = rng.choice(["38000", "73000", "69003", "44000", "38100", "74000"])
            member.city = {"38000": "Grenoble", "73000": "Chambéry", "69003": "Lyon", "44000": "Nantes",
                           "38100": "Grenoble", "74000": "Annecy"}[member.postal_code]
            member.siren = f"{rng.randint(300000000, 999999999)}"
            member.save(update_fields=["address_line1", "postal_code", "city", "siren"])
            services.contact_add(
                member=member,
                email=f"compta.{member.member_number}@client.demo.test",
                name="Comptabilité",
                is_accounting=True,
            )

    def _payments(self, rng, today: date) -> None:
        rows = []
        for call in PremiumCall.objects.filter(reference__startswith="EM-").order_by("reference"):
            draw = rng.random()
            paid_on = min(call.due_date + timedelta(days=rng.randint(-5, 9)), today)
            if draw < 0.72:
                rows.append(services.PaymentRow(call.reference, call.amount, paid_on, f"PAY-{call.reference}"))
            elif draw < 0.82:
                part = (call.amount * Decimal("0.4")).quantize(Decimal("0.01"))
                rows.append(services.PaymentRow(call.reference, part, paid_on, f"PAY-{call.reference}-1"))
        if rows:
            services.payments_import(rows=rows, today=today)

    def _delegation(self, organisation: Organisation, collaborator: User) -> None:
        if DelegationProfile.objects.filter(organisation=organisation, name="Portefeuille Isère").exists():
            return
        services.delegation_profile_create(
            organisation=organisation,
            name="Portefeuille Isère",
            areas=[Area.AMIABLE, Area.RESILIATION, Area.COURRIER],
            departements=["38"],  # « par département » (seed 003): the Isère clients, today's and tomorrow's
            collaborators=[collaborator],
        )

    def _second_organisation(self, organisation: Organisation, courtier: User) -> None:
        """courtier@demo.test also works for Rhône Courtage: a collaborator there, delegated the
        cycle amiable of its Rhône clients (« Changer de compte entreprise » in the top bar)."""
        if Membership.objects.filter(user=courtier, organisation=organisation).exists():
            return
        membership = accounts.membership_add(user=courtier, organisation=organisation, role=Role.COLLABORATOR,
                                             by=None)
        services.delegation_profile_create(organisation=organisation, name="Portefeuille Rhône",
                                           areas=[Area.AMIABLE, Area.RESILIATION], departements=["69"],
                                           collaborators=[membership])


# The insurer's products of the demo (codes used by the premium-call import).
PRODUCTS = [
    ("pyramide_artisan", "Pyramide Artisan — multirisque des artisans"),
    ("multirisque_commerce", "Multirisque commerce"),
    ("rc_professionnelle", "Responsabilité civile professionnelle"),
    ("flotte_automobile", "Flotte automobile"),
]


def _consistent(rows: list[services.EmissionRow]) -> list[services.EmissionRow]:
    """A member keeps one company name across its policies."""
    names: dict[str, str] = {}
    return [
        services.EmissionRow(**{**row.__dict__, "company_name": names.setdefault(row.member_number, row.company_name)})
        for row in rows
    ]
