"""The demo-data commands (``seed_demo`` and each app's ``*_demo``) create logins with a known
password and sandbox purchases: they run only where the settings allow demo data
(``PORTAL_DEMO_DATA``: the dev and test settings, never production)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class DemoCommand(BaseCommand):
    """A command refused, before touching anything, unless ``PORTAL_DEMO_DATA`` is true."""

    def execute(self, *args, **options):
        if not settings.PORTAL_DEMO_DATA:
            raise CommandError(
                "Données de démonstration refusées avec ces réglages "
                f"({settings.SETTINGS_MODULE}) : les commandes de démonstration créent des comptes au mot de "
                "passe connu (« demo »), dont un compte de la comptabilité. Elles ne s'exécutent qu'en "
                "développement ou en test (DJANGO_SETTINGS_MODULE=portal.settings.dev)."
            )
        return super().execute(*args, **options)
