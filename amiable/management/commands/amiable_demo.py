"""Demo history of the cycle amiable (called by ``seed_demo``; idempotent).

Replays the daily run over the last weeks of business days, with brokers answering,
accounting deciding and some late payments, so that every status of seed 000 shows.
"""

from __future__ import annotations

import random
from datetime import time, timedelta
from decimal import Decimal

from amiable import cycle, services
from amiable.models import Case, ExtensionRequest, Letter, LetterKind, Reason, Stage
from portal import clock
from portal import services as portal_services
from portal.management.demo import DemoCommand
from portal.models import User

REASONS = list(Reason.values)


class Command(DemoCommand):
    help = "Crée un historique de démonstration du cycle amiable (idempotent)."

    def handle(self, *args, **options):
        if Case.objects.exists():
            self.stdout.write("Cycle amiable : historique de démonstration déjà présent.")
            return
        calendar = clock.business_calendar()
        today = clock.business_today()
        broker = User.objects.get(email="courtier@demo.test")
        agent = User.objects.get(email="agent@demo.test")
        clerk = User.objects.get(email="compta@demo.test")
        rng = random.Random(7)
        day = today - timedelta(days=75)
        while day <= today:
            if calendar.is_business_day(day):
                cycle.amiable_tick(today=day, calendar=calendar)
                self._brokers_act(rng, day, calendar, {broker.organisation_id: broker, agent.organisation_id: agent})
                self._accounting_decides(rng, day, calendar, clerk, today)
                self._late_payments(rng, day)
            day += timedelta(days=1)
        self.stdout.write(f"Cycle amiable : {Case.objects.count()} dossiers de démonstration.")

    def _brokers_act(self, rng, day, calendar, users):
        for case in Case.objects.filter(stage=Stage.OPEN, broker_manages=True, answer="",
                                        response_deadline__gte=day).select_related("policy"):
            user = users.get(case.policy.broker_id)
            if user is None or (day - case.reminder_date).days < 1 or rng.random() > 0.25:
                continue
            draw = rng.random()
            if draw < 0.45:
                services.case_answer(case=case, by=user, requested=False, today=day, calendar=calendar)
            elif draw < 0.9:
                reason = rng.choice(REASONS)
                comment = "Échéancier en cours de négociation avec le dirigeant." if reason == Reason.OTHER else ""
                services.case_answer(case=case, by=user, requested=True, reason=reason, comment=comment,
                                     today=day, calendar=calendar)
        for letter in Letter.objects.filter(kind__in=[LetterKind.REMINDER, LetterKind.REINSTATEMENT],
                                            acknowledged_at__isnull=True, letter_date__lt=day).select_related(
            "case__policy"
        ):
            user = users.get(letter.case.policy.broker_id)
            if user is not None and rng.random() < 0.3:
                services.letter_acknowledge(letter=letter, by=user, now=clock.at_local_time(day, time(10)))

    def _accounting_decides(self, rng, day, calendar, clerk, today):
        if (today - day).days < 4:  # keep the latest requests pending for the demo
            return
        for extension in ExtensionRequest.objects.filter(status="pending", requested_on__lt=day).select_related(
            "case__policy__broker", "case__policy__member"
        ):
            if extension.case.stage != Stage.OPEN or rng.random() < 0.4:
                continue
            approved = rng.random() < 0.6
            services.extension_decide(
                extension=extension, by=clerk, approved=approved,
                note="Accord sur échéancier." if approved else "Justificatif insuffisant.",
                today=day, now=clock.at_local_time(day, time(15)), calendar=calendar,
            )

    def _late_payments(self, rng, day):
        rows = []
        for case in Case.objects.filter(stage__in=[Stage.OPEN, Stage.FORMAL_NOTICE, Stage.SUSPENDED]).select_related(
            "premium_call"
        ):
            if rng.random() < 0.004:
                call = case.premium_call
                rows.append(portal_services.PaymentRow(call.reference, call.outstanding, day,
                                                        f"PAY-DEMO-{call.reference}-{day:%Y%m%d}"))
            elif rng.random() < 0.005:
                call = case.premium_call
                part = (call.outstanding / 3).quantize(Decimal("0.01"))
                if part > 0:
                    rows.append(portal_services.PaymentRow(call.reference, part, day,
                                                            f"PAY-DEMO-P-{call.reference}-{day:%Y%m%d}"))
        if rows:
            portal_services.payments_import(rows=rows, today=day)
            cycle.payments_settle(today=day)
