from django.core.management.base import BaseCommand, CommandError

from portal import clock, services
from portal.api import PaymentRowSerializer
from portal.csv_import import csv_rows, format_row_errors
from portal.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Importe un fichier CSV de paiements : reference (obligatoire, unique), emission_reference, amount, "
        "paid_on, les colonnes de POST /api/v1/payments/. Un fichier importé deux fois n'enregistre rien deux fois."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="fichier CSV, séparateur ; ou ,")

    def handle(self, *args, path, **options):
        lines = None
        today = clock.business_today()
        try:
            parsed = csv_rows(path=path, serializer_class=PaymentRowSerializer, today=today)
            lines = parsed.lines
            result = services.payments_import(
                rows=[PaymentRowSerializer().to_row(row) for row in parsed.rows], today=today
            )
        except ApplicationError as error:
            raise CommandError(format_row_errors(error, lines=lines)) from error
        self.stdout.write(
            f"{result.recorded} paiement(s) enregistré(s), {result.already_recorded} déjà connu(s)."
        )
