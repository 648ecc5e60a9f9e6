"""Issue the monthly invoices of a finished month (idempotent; what the beat job runs)."""

from django.core.management.base import BaseCommand, CommandError

from billing import invoicing
from billing.documents import invoice_document_ensure
from portal import clock
from portal.errors import ApplicationError
from portal.management.months import month_option


class Command(BaseCommand):
    help = ("Émet les factures mensuelles (et avoirs) d'un mois terminé (par défaut le mois précédent). "
            "Idempotent.")

    def add_arguments(self, parser):
        parser.add_argument("--month", help="Mois à facturer, AAAA-MM (par défaut : le mois précédent).")
        parser.add_argument("--render", action="store_true", help="Générer aussi les PDF ici plutôt que par Celery.")

    def handle(self, *args, month=None, render=False, **options):
        today = clock.business_today()
        start = month_option(month, today=today)
        try:
            run = invoicing.invoices_issue(period_start=start, today=today)
        except ApplicationError as error:
            raise CommandError(error.message)
        if render:
            for invoice in run.issued:
                invoice_document_ensure(invoice_id=invoice.pk)
        numbers = ", ".join(invoice.number for invoice in run.issued)
        self.stdout.write(f"{len(run.invoices)} facture(s) et {len(run.credit_notes)} avoir(s) émis pour "
                          f"{start:%m/%Y}{' : ' + numbers if numbers else ''}.")
