from django.core.management.base import BaseCommand, CommandError

from portal import clock, services
from portal.api import EmissionRowSerializer
from portal.csv_import import csv_rows, format_row_errors
from portal.errors import ApplicationError


class Command(BaseCommand):
    help = "Importe un fichier CSV d'émissions (mêmes colonnes que POST /api/v1/emissions/)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="fichier CSV, séparateur ; ou ,")

    def handle(self, *args, path, **options):
        lines = None
        today = clock.business_today()
        try:
            parsed = csv_rows(path=path, serializer_class=EmissionRowSerializer, today=today)
            lines = parsed.lines
            result = services.emissions_import(
                rows=[EmissionRowSerializer().to_row(row) for row in parsed.rows], today=today
            )
        except ApplicationError as error:
            raise CommandError(format_row_errors(error, lines=lines)) from error
        self.stdout.write(f"{result.created} émission(s) créée(s), {result.updated} mise(s) à jour.")
