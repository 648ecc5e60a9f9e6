"""Issue the commission statements of a finished month (idempotent; what the beat job runs)."""

from django.core.management.base import BaseCommand, CommandError

from commissions import services
from commissions.documents import statement_document_ensure
from portal import clock
from portal.errors import ApplicationError
from portal.management.months import month_option


class Command(BaseCommand):
    help = ("Émet les relevés de commissions d'un mois terminé (par défaut le mois précédent). Idempotent : "
            "un relevé déjà émis n'est jamais refait.")

    def add_arguments(self, parser):
        parser.add_argument("--month", help="Mois du relevé, AAAA-MM (par défaut : le mois précédent).")
        parser.add_argument("--render", action="store_true", help="Générer aussi les PDF ici plutôt que par Celery.")

    def handle(self, *args, month=None, render=False, **options):
        today = clock.business_today()
        start = month_option(month, today=today)
        try:
            run = services.statements_issue(period_start=start, today=today)
        except ApplicationError as error:
            raise CommandError(error.message)
        if render:
            for statement in run.issued:
                statement_document_ensure(statement_id=statement.pk)
        numbers = ", ".join(statement.number for statement in run.issued)
        self.stdout.write(f"{run.count} relevé(s) de commissions émis pour {start:%m/%Y}"
                          f"{' : ' + numbers if numbers else ''}.")
