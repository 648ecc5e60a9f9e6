"""Demo help requests, a few in each status (« reçue », « en attente de votre retour », « close »),
for the demo organisations; idempotent (nothing is added to an organisation that has requests)."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from portal import help
from portal.management.demo import DemoCommand
from portal.models import HelpRequest, HelpStatus, HelpSubject, User
from portal.pdf import blank_pdf


class Command(DemoCommand):
    help = "Crée des demandes d'aide de démonstration (idempotent)."

    def handle(self, *args, **options):
        users = {user.email: user for user in User.objects.filter(
            email__in=["courtier@demo.test", "collab@demo.test", "compta@demo.test", "agent@demo.test"])}
        if len(users) < 4:
            self.stdout.write("Demandes d'aide de démonstration : lancez d'abord seed_demo.")
            return
        courtier, collab, compta, agent = (users[f"{name}@demo.test"] for name in ("courtier", "collab", "compta",
                                                                                     "agent"))
        created = 0
        with transaction.atomic():
            if not HelpRequest.objects.filter(organisation=courtier.organisation).exists():
                help.help_request_create(
                    by=courtier, subject=HelpSubject.ACCOUNT, title="Changement d'adresse du cabinet",
                    message="Bonjour, notre cabinet a déménagé au 12 avenue Alsace-Lorraine, 38000 Grenoble. "
                            "Pouvez-vous mettre à jour notre adresse ? Merci.")
                awaiting = help.help_request_create(
                    by=collab, subject=HelpSubject.CONTRACT_TYPE, title="Assurance drone professionnel",
                    message="Pourriez-vous ajouter le type de contrat « Assurance drone » à la liste des résiliations ?")
                help.help_request_answer(
                    help_request=awaiting, by=compta, status=HelpStatus.AWAITING_USER,
                    message="Bonjour, pour ajouter ce type de contrat, merci de nous adresser un exemple de conditions "
                            "particulières (PDF) d'un contrat de ce type.")
                closed = help.help_request_create(
                    by=courtier, subject=HelpSubject.CREDITS, title="Facture du mois dernier",
                    message="La facture mensuelle du mois dernier ne figure pas dans mon espace.",
                    attachments=[SimpleUploadedFile("capture.pdf", blank_pdf())])
                help.help_request_answer(
                    help_request=closed, by=compta, status=HelpStatus.CLOSED,
                    message="Bonjour, la facture est émise le 1er du mois : elle est maintenant disponible dans "
                            "Facturation. Bonne journée.")
                created += 3
            if not HelpRequest.objects.filter(organisation=agent.organisation).exists():
                help.help_request_create(
                    by=agent, subject=HelpSubject.SPACE, title="Rattacher l'agence de Chambéry-Nord",
                    message="Je gère aussi l'agence de Chambéry-Nord (ORIAS 07000003) : pouvez-vous l'ajouter à mon "
                            "compte ?")
                created += 1
        self.stdout.write(f"Demandes d'aide de démonstration : {created} créée(s).")
