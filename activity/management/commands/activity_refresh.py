from django.core.management.base import BaseCommand

from activity import services
from portal import clock


class Command(BaseCommand):
    help = "Recalcule les chiffres de « Suivre votre activité » (tous les cabinets, en une transaction)."

    def handle(self, *args, **options):
        report = services.activity_refresh(today=clock.business_today(), now=clock.local_now())
        self.stdout.write(f"Chiffres d'activité recalculés : {report.monthly_rows} lignes mensuelles, "
                          f"{report.product_rows} lignes par produit ({report.seconds:.1f} s).")
