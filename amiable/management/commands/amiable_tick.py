from datetime import date

from django.core.management.base import BaseCommand, CommandError

from amiable import cycle
from portal import clock


class Command(BaseCommand):
    help = "Lance le cycle amiable du jour (rappels, mises en demeure, suspensions, résiliations, paiements)."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="date métier AAAA-MM-JJ (par défaut : aujourd'hui, ou PORTAL_TODAY)")

    def handle(self, *args, date=None, **options):
        try:
            today = _parse(date) if date else clock.business_today()
        except ValueError as exc:
            raise CommandError(f"Date invalide {date!r} : format attendu AAAA-MM-JJ.") from exc
        report = cycle.amiable_tick(today=today, calendar=clock.business_calendar())
        self.stdout.write(str(report))


def _parse(value: str) -> date:
    return date.fromisoformat(value)
