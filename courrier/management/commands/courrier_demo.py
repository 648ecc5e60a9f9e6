"""Demo paper mail for the demo organisation, in every state (idempotent; run by ``seed_demo``).

Envelopes are built through the services (debits through billing when the demo account has
credit; an envelope that cannot be paid stays a draft); La Poste is played by the sandbox
postal provider, its news delivered through the same signed-webhook service as over HTTP.
"""

from __future__ import annotations

import contextlib
from datetime import time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand

from courrier import services
from courrier.models import Envelope
from courrier.sandbox import provider as sandbox
from portal import clock
from portal.errors import ApplicationError
from portal.models import User
from portal.pdf import pdf_from_html
from portal.providers import sandboxes_allowed

LETTER = """<html><head><style>@page {{ size: A4; margin: 0 }} body {{ margin: 0; font: 11pt sans-serif }}
.head {{ position: absolute; left: 20mm; top: 15mm }} .window {{ position: absolute; left: 110mm; top: 58mm;
line-height: 1.35 }} .body {{ position: absolute; left: 20mm; top: 110mm; width: 170mm }}</style></head><body>
<div class="head"><strong>{sender}</strong><br>{street}<br>{city}</div>
<div class="window">{recipient}</div>
<div class="body"><p>Grenoble, le {today}</p><p><strong>Objet : {subject}</strong></p>
<p>Madame, Monsieur,</p><p>{text}</p><p>Veuillez agréer nos salutations distinguées.</p></div></body></html>"""
RECIPIENTS = [
    ("SARL DUPOND", "1 rue des Fleurs", "38000 GRENOBLE"),
    ("CIC AGENCE DE TULLE", "12 avenue Victor Hugo", "19000 TULLE"),
    ("NEOLIANE SANTE ET PREVOYANCE", "2 boulevard Victor Hugo", "06200 NICE"),
    ("MAIRIE DE MEYLAN", "4 avenue du Granier", "38240 MEYLAN"),
]


def demo_letter(user, index: int, subject: str) -> SimpleUploadedFile:
    organisation = user.organisation
    name, street, city = RECIPIENTS[index % len(RECIPIENTS)]
    html = LETTER.format(sender=organisation.signature_name, street=organisation.address_line1,
                         city=f"{organisation.postal_code} {organisation.city}",
                         recipient=f"{name}<br>{street}<br>{city}", today=clock.business_today().strftime("%d/%m/%Y"),
                         subject=subject, text="Veuillez trouver ci-joint les pièces demandées pour le dossier.")
    return SimpleUploadedFile(f"courrier-{index + 1}.pdf", pdf_from_html(html), content_type="application/pdf")


class Command(BaseCommand):
    help = "Crée des courriers papier de démonstration (idempotent)."

    def handle(self, *args, **options):
        if not sandboxes_allowed():  # production: no sandbox to play La Poste
            self.stdout.write("Courrier papier : pas de données de démonstration (bacs à sable refusés par ces "
                              "réglages).")
            return
        user = User.objects.filter(email__iexact="courtier@demo.test").select_related("organisation").first()
        if user is None or Envelope.objects.filter(organisation=user.organisation).exists():
            self.stdout.write("Courrier papier : rien à créer.")
            return
        made = self._envelopes(user)
        collaborator = User.objects.filter(email__iexact="collab@demo.test").first()
        if collaborator is not None:
            with contextlib.suppress(ApplicationError):  # the collaborator may lack the area
                services.envelope_start(by=collaborator, now=clock.local_now(), mode="lettre_verte",
                                        uploads=[demo_letter(collaborator, 3, "Attestation d'assurance")])
                made += 1
        self.stdout.write(f"Courrier papier : {made} courrier(s) de démonstration créé(s).")

    def _envelopes(self, user) -> int:
        now, calendar = clock.local_now(), clock.business_calendar()
        made = 0
        draft = services.envelope_start(by=user, now=now, mode="ecopli",
                                        uploads=[demo_letter(user, 0, "Relevé de sinistralité")])
        made += bool(draft)

        def validated(index, mode, subject, send_on=None):
            envelope = services.envelope_start(by=user, now=now, mode=mode, uploads=[demo_letter(user, index, subject)])
            if mode in ("ecopli", "lettre_verte"):
                services.envelope_recipient_from_document(envelope=envelope)
            else:
                name, street, city = RECIPIENTS[index % len(RECIPIENTS)]
                services.envelope_recipient_type(envelope=envelope, address=services.AddressInput(
                    name=name, address_lines=(street,), postal_code=city[:5], city=city[6:]))
                services.envelope_sender_from_organisation(envelope=envelope)
            envelope.refresh_from_db()
            quote = services.envelope_quote(envelope=envelope, on=now.date())
            return services.envelope_send(envelope=envelope, by=user, accepted_price=quote.total, send_on=send_on,
                                          now=now, calendar=calendar)

        try:
            later = calendar.add_business_days(now.date(), 3)
            validated(1, "lettre_verte", "Résiliation de contrat", send_on=later)
            cancelled = validated(2, "lettre_verte", "Demande de pièces", send_on=later)
            services.envelope_cancel(envelope=cancelled, by=user, now=now)
            posted = [validated(3, "recommande_ar", "Mise en demeure"), validated(1, "lettre_suivie", "Avenant")]
            made += 4
        except ApplicationError as error:  # no credit on the demo account: the rest stays undone
            self.stdout.write(f"Courrier papier : {error.message}")
            return made
        # La Poste takes them at 10:30 on their hand-over day, then the sandbox plays its news.
        handover = clock.at_local_time(posted[0].handover_date, time(10, 30))
        services.envelopes_hand_over(now=handover, calendar=calendar)
        services.envelopes_submit(envelope_ids=[envelope.pk for envelope in posted])
        sandbox.sandbox_webhooks_deliver_in_process()
        delivered = posted[0]
        reference = Envelope.objects.get(pk=delivered.pk).provider_reference
        sandbox.sandbox_event_play(reference=reference, event_type="mail.in_transit",
                                   now=handover + timedelta(hours=4))
        sandbox.sandbox_event_play(reference=reference, event_type="mail.delivered", now=handover + timedelta(days=2))
        sandbox.sandbox_webhooks_deliver_in_process()
        for kind in ("deposit", "acknowledgement"):
            services.envelope_proof_fetch(envelope_id=delivered.pk, kind=kind)
        return made
