"""Demo certificates (called by ``seed_demo`` after the cycle amiable's history; idempotent):
the main guarantees of the demo products, and a few certificates issued through the service by
the demo organisations' administrators for policies whose cover holds."""

from __future__ import annotations

from datetime import timedelta

from amiable.selectors import policy_cover_status
from certificates import services
from certificates.forms import default_period_end
from certificates.models import Certificate, ProductGuarantee
from portal import clock
from portal.errors import ApplicationError
from portal.management.demo import DemoCommand
from portal.models import Policy, Product, User

# product code → (guarantee, amount or limit), in the order printed.
GUARANTEES = {
    "pyramide_artisan": [
        ("Responsabilité civile exploitation", "8 000 000 € par sinistre"),
        ("Responsabilité civile après travaux", "2 000 000 € par sinistre et par année"),
        ("Dommages aux biens professionnels (locaux, matériel, marchandises)", "Valeur à neuf, selon conditions particulières"),
        ("Perte d'exploitation", "12 mois de marge brute"),
        ("Protection juridique professionnelle", "20 000 € par litige"),
    ],
    "multirisque_commerce": [
        ("Incendie, explosion et événements naturels", "Valeur de reconstruction"),
        ("Dégâts des eaux", "150 000 € par sinistre"),
        ("Vol et vandalisme", "50 000 € par sinistre"),
        ("Bris de glace et enseignes", "10 000 € par sinistre"),
        ("Responsabilité civile exploitation", "4 500 000 € par sinistre"),
    ],
    "rc_professionnelle": [
        ("Responsabilité civile professionnelle", "1 500 000 € par sinistre et par année"),
        ("Responsabilité civile exploitation", "3 000 000 € par sinistre"),
        ("Défense pénale et recours", "15 000 € par litige"),
    ],
    "flotte_automobile": [
        ("Responsabilité civile circulation", "Illimitée (dommages corporels), 100 000 000 € (dommages matériels)"),
        ("Dommages tous accidents", "Valeur à dire d'expert"),
        ("Bris de glace", "Sans franchise"),
        ("Assistance 0 km aux véhicules et aux personnes", "Selon conditions générales"),
    ],
}
PER_ORGANISATION = 4


class Command(DemoCommand):
    help = "Crée les garanties des produits et des attestations d'assurance de démonstration (idempotent)."

    def handle(self, *args, **options):
        guarantees = self._guarantees()
        if Certificate.objects.exists():
            self.stdout.write(f"Attestations : {guarantees} garantie(s) ajoutée(s), attestations déjà présentes.")
            return
        today = clock.business_today()
        issued = 0
        for email in ("courtier@demo.test", "agent@demo.test"):
            user = User.objects.filter(email__iexact=email).select_related("organisation").first()
            if user is not None:
                issued += self._issue(user, today)
        self.stdout.write(f"Attestations : {guarantees} garantie(s) ajoutée(s), {issued} attestation(s) délivrée(s).")

    def _guarantees(self) -> int:
        added = 0
        for product in Product.objects.filter(code__in=GUARANTEES):
            for position, (label, limit) in enumerate(GUARANTEES[product.code], start=1):
                added += ProductGuarantee.objects.get_or_create(product=product, label=label,
                                                                defaults={"limit": limit, "position": position})[1]
        return added

    def _issue(self, user: User, today) -> int:
        candidates = list(Policy.objects.filter(broker_id=user.organisation_id, product__code__in=GUARANTEES)
                          .order_by("number").values_list("id", flat=True)[:40])
        covers = policy_cover_status(policy_ids=candidates, today=today)
        issued = 0
        certifiable = (policy_id for policy_id in candidates  # in force, no formal notice running
                       if covers[policy_id].in_force and not covers[policy_id].suspension_planned)
        for index, policy_id in enumerate(certifiable):
            if issued == PER_ORGANISATION:
                break
            start = today - timedelta(days=7 * index)
            try:
                services.certificate_issue(by=user, policy_id=policy_id, period_start=start,
                                           period_end=default_period_end(start), today=today)
            except ApplicationError as error:  # a demo portfolio may hold a policy it cannot certify
                self.stderr.write(f"Attestation de démonstration non délivrée : {error.message}")
                continue
            issued += 1
        return issued
