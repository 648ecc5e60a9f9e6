"""Issue an API key bound to one organisation of a person (issue 10 §5): the key acts for that
membership only, whatever organisation the person chooses in the browser. Printed once."""

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from portal import accounts
from portal.errors import ApplicationError
from portal.models import Membership


class Command(BaseCommand):
    help = "Crée un jeton d'API lié à un cabinet d'un utilisateur (affiché une seule fois)."

    def add_arguments(self, parser):
        parser.add_argument("email", help="adresse e-mail de l'utilisateur")
        parser.add_argument("organisation", help="n° ORIAS ou identifiant du cabinet")

    def handle(self, *args, email, organisation, **options):
        organisation = organisation.replace(" ", "")
        if not organisation.isdigit():
            raise CommandError("Indiquez le n° ORIAS (8 chiffres) ou l'identifiant du cabinet.")
        which = Q(organisation__orias=organisation) if len(organisation) == 8 else Q(organisation_id=int(organisation))
        membership = (Membership.objects.select_related("user", "organisation")
                      .filter(which, user__email__iexact=email.strip()).first())
        if membership is None:
            raise CommandError(f"{email} n'a pas d'accès au cabinet {organisation}.")
        try:
            key = accounts.api_token_issue(membership=membership)
        except ApplicationError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"Jeton d'API de {membership.user.email} pour {membership.organisation.signature_name} "
                          f"(à conserver, il ne sera plus affiché) : {key}")
