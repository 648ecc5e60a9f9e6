"""Demo termination letters for the demo organisations, in various statuses (idempotent).

Run by ``seed_demo``. Letters are built through the services (debits through billing when the
demo account has credit; a letter that cannot be paid stays a draft), and their provider
lifecycle is played by the sandbox providers.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from portal import clock
from portal.errors import ApplicationError
from portal.management.demo import DemoCommand
from portal.models import Organisation, User
from portal.pdf import blank_pdf
from portal.providers import sandboxes_allowed
from resiliation import services, webhooks
from resiliation.insurers import insurers_load
from resiliation.models import Insurer, OriasCertificate, TerminationLetter
from resiliation.rules import dates
from resiliation.sandbox import provider as sandbox

PEOPLE = [
    ("M", "DUPONT", "Jean", "2 rue des Fleurs", "38000", "GRENOBLE", ""),
    ("MME", "MARTIN", "Claire", "45 rue d'Angleterre", "38100", "GRENOBLE", ""),
    ("M", "BERNARD", "Louis", "7 chemin de la Ferrière", "38240", "MEYLAN", "SARL BERNARD"),
    ("MME", "PETIT", "Emma", "12 avenue Jean Jaurès", "73000", "CHAMBÉRY", ""),
    ("M", "ROBERT", "Paul", "3 place du Marché", "69003", "LYON", ""),
    ("MME", "DURAND", "Sophie", "18 allée des Tilleuls", "38000", "GRENOBLE", ""),
]


class Command(DemoCommand):
    help = "Crée des lettres de résiliation de démonstration (idempotent)."

    def handle(self, *args, **options):
        if not sandboxes_allowed():  # production: no sandbox to play the providers
            self.stdout.write("Résiliation : pas de données de démonstration (bacs à sable refusés par ces réglages).")
            return
        now = clock.local_now()
        insurers_load(Insurer)
        made = 0
        for orias, email in (("07000001", "courtier@demo.test"), ("07000002", "agent@demo.test")):
            organisation = Organisation.objects.filter(orias=orias).first()
            user = User.objects.filter(email__iexact=email).first()
            if organisation is None or user is None:
                continue
            if TerminationLetter.objects.filter(organisation=organisation, own_reference__startswith="DEMO-").exists():
                continue
            if not OriasCertificate.objects.filter(organisation=organisation).exists():
                services.orias_certificate_add(organisation=organisation, by=user,
                                               upload=SimpleUploadedFile("attestation-orias.pdf", blank_pdf()),
                                               valid_until=now.date() + timedelta(days=300), today=now.date())
            made += self._letters(user, now)
        _deliver_webhooks()
        self.stdout.write(f"Résiliation : {made} lettre(s) de démonstration créée(s).")

    def _letter(self, user, index, **contract):
        civility, last, first, street, postal, city, company = PEOPLE[index % len(PEOPLE)]
        due = clock.business_today() + timedelta(days=150)
        defaults = {"contract_type": "auto", "reference": f"{index + 1:04d}-{user.organisation_id}",
                    "reason": "main_due_date", "main_due_date": due}
        return services.letter_create(
            by=user, insurer=Insurer.objects.order_by("name")[index * 5 % Insurer.objects.count()],
            subscriber=services.SubscriberData(civility=civility, last_name=last, first_name=first,
                                               address_line1=street, postal_code=postal, city=city,
                                               email=f"{first.lower()}.{last.lower()}@client.demo.test",
                                               company_name=company, own_reference=f"DEMO-{index + 1}"),
            contract=services.ContractData(**{**defaults, **contract}))

    def _letters(self, user, now) -> int:
        today = now.date()
        with transaction.atomic():
            draft = self._letter(user, 0)
            services.letter_free_text_set(letter=draft, text="Merci de nous adresser le relevé d'information.")
            trashed = self._letter(user, 5, contract_type="home_tenant", reason="hamon", new_insurer="L'AUXILIAIRE")
            services.letter_trash(letter=trashed, now=now)
            collaborator = User.objects.filter(email__iexact="collab@demo.test", organisation=user.organisation).first()
            if collaborator is not None:
                with contextlib.suppress(ApplicationError):  # the collaborator may lack the area
                    services.letter_manager_set(letter=draft, manager=collaborator, by=user)
        letters = [draft, trashed]
        plans = [
            ("scheduled", {"reason": "withdrawal"}, today + timedelta(days=3)),
            ("deposited", {"contract_type": "home_owner", "reason": "price_increase"}, today),
            ("signed", {"contract_type": "health", "reason": "main_due_date"}, today),
            ("cancelled", {"contract_type": "motorbike", "reason": "vehicle_sale",
                           "event_date": today - timedelta(days=2)}, today + timedelta(days=5)),
        ]
        for offset, (target, contract, send) in enumerate(plans, start=1):
            letter = self._letter(user, offset, **contract)
            letters.append(letter)
            try:
                services.letter_mandate_choose(letter=letter, choice="not_attached", today=today, confirmed=True)
                services.letter_confirm(letter=letter, by=user, with_acknowledgement=target == "signed", start=None,
                                       send=send, dates_confirmed=True, now=now)
            except ApplicationError as error:  # no credit, or past 20:00: the letter stays a draft
                self.stdout.write(f"  lettre {letter.pk} laissée en création : {error.message}")
                continue
            if target == "cancelled":
                services.letter_cancel(letter=letter, by=user, now=now)
            elif send <= today:
                services.letter_dispatch(letter_id=letter.pk, now=now)
                _deliver_webhooks()
                letter.refresh_from_db()
                services.letter_proof_fetch(letter_id=letter.pk, kind="deposit")
                if target == "signed":
                    sandbox.sandbox_mail_receive(reference=letter.provider_reference, now=now)
                    _deliver_webhooks()
                    services.letter_proof_fetch(letter_id=letter.pk, kind="acknowledgement")
        # in the platform's name, waiting for the souscripteur's e-signature
        platform = self._letter(user, 4, contract_type="home_owner", reason="main_due_date")
        letters.append(platform)
        try:
            services.letter_sender_mode_set(letter=platform, mode="platform")
            if now.time() < dates.CUTOFF:
                platform = services.letter_confirm(letter=platform, by=user, with_acknowledgement=True, start=None,
                                                  send=today, dates_confirmed=True, now=now)
                services.signature_request_start(letter=platform, email=platform.email,
                                                   mobile_phone="06 12 34 56 78", mode="remote", certified=True,
                                                   now=now)
        except ApplicationError as error:
            self.stdout.write(f"  lettre {platform.pk} laissée en création : {error.message}")
        return len(letters)


def _deliver_webhooks() -> int:
    """The sandbox's pending webhooks, handed to the portal's webhook door in-process (demo data
    is built before any server runs): signed and verified exactly as over HTTP."""
    delivered = 0
    for delivery in sandbox.sandbox_webhooks_pending():
        body, header = sandbox.sandbox_webhook_signed(delivery)
        try:
            webhooks.webhook_receive(provider=delivery.provider, body=body, header=header, now=timezone.now())
        except (webhooks.WebhookRejected, webhooks.WebhookRetry) as exc:
            sandbox.sandbox_webhook_delivered(delivery=delivery, error=str(exc))
            continue
        sandbox.sandbox_webhook_delivered(delivery=delivery)
        delivered += 1
    return delivered
