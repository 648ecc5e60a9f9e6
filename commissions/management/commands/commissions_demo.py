"""Commissions demo data (called by ``seed_demo``; idempotent): a commission rate for each
demo product (and a rise to come), the statements of every finished month with payments, and
a payment recorded late, after its month was issued — the adjustment line of the next
statement. All through the services, issued as the beat job does."""

from datetime import date
from decimal import Decimal

from commissions import services
from commissions.documents import statement_document_ensure
from commissions.models import CommissionRate, Statement
from portal import clock
from portal import services as portal_services
from portal.management.demo import DemoCommand
from portal.models import Area, DelegationProfile, Payment, PremiumCall, Product, User
from portal.months import month_end, months_between, next_month_start, previous_month

RATES = {  # product code: commission rate (%)
    "pyramide_artisan": "15.00",
    "multirisque_commerce": "12.50",
    "rc_professionnelle": "10.00",
    "flotte_automobile": "8.75",
}
RATES_SINCE = date(2025, 1, 1)
LATE_SUFFIX = "-TARDIF"
THIS_MONTH_SUFFIX = "-MOIS"
COLLABORATOR_PROFILE = "Commissions Isère"


class Command(DemoCommand):
    help = "Crée des taux de commission et des relevés de commissions de démonstration (idempotent)."

    def handle(self, *args, **options):
        today = clock.business_today()
        self._rates(today)
        first_payment = Payment.objects.filter(premium_call__policy__broker__isnull=False).order_by("paid_on").first()
        issued = 0
        if first_payment is not None:
            last_start, _ = previous_month(today)
            months = months_between(first_payment.paid_on, last_start)
            for index, month in enumerate(months):
                if index == len(months) - 1 and index > 0:
                    self._late_payment(months[index - 1], today)
                issued += services.statements_issue(period_start=month, today=today).count
        self._this_month(today)
        self._collaborator()
        for statement in Statement.objects.filter(document__isnull=True):
            statement_document_ensure(statement_id=statement.pk)
        self.stdout.write(f"Commissions de démonstration prêtes ({issued} relevé(s) émis).")

    def _rates(self, today: date) -> None:
        for code, rate in RATES.items():
            product = Product.objects.filter(code=code).first()
            if product is None or CommissionRate.objects.filter(product=product).exists():
                continue
            services.rate_add(product=product, rate=Decimal(rate), effective_from=RATES_SINCE)
            if code == "pyramide_artisan":  # a rise to come, for next month
                services.rate_add(product=product, rate=Decimal("16.00"),
                                  effective_from=next_month_start(today))

    def _this_month(self, today: date) -> None:
        """A few payments received today: the current month « provisoire » is not empty."""
        if Payment.objects.filter(reference__endswith=THIS_MONTH_SUFFIX).exists():
            return
        calls = PremiumCall.objects.filter(policy__broker__orias__in=["07000001", "07000002"], paid_amount=0,
                                           due_date__lt=today).order_by("-due_date", "reference")[:6]
        rows = [portal_services.PaymentRow(call.reference, call.amount, today, f"PAY-{call.reference}{THIS_MONTH_SUFFIX}")
                for call in calls]
        if rows:
            portal_services.payments_import(rows=rows, today=today)

    def _collaborator(self) -> None:
        """collab@demo.test sees the commissions of the Isère clients (seed 003 « par département »)."""
        collaborator = User.objects.filter(email="collab@demo.test").first()
        if collaborator is None or collaborator.organisation is None or DelegationProfile.objects.filter(
                organisation=collaborator.organisation, name=COLLABORATOR_PROFILE).exists():
            return
        portal_services.delegation_profile_create(organisation=collaborator.organisation, name=COLLABORATOR_PROFILE,
                                                  areas=[Area.COMMISSIONS], departements=["38"],
                                                  collaborators=[collaborator])

    def _late_payment(self, month: date, today: date) -> None:
        """A payment received in ``month`` (already issued) but recorded only now."""
        if Payment.objects.filter(reference__endswith=LATE_SUFFIX).exists():
            return
        call = (PremiumCall.objects.filter(policy__broker__orias="07000001", paid_amount=0,
                                           due_date__gte=month, due_date__lte=month_end(month))
                .order_by("reference").first())
        if call is None:
            return
        portal_services.payments_import(rows=[portal_services.PaymentRow(
            call.reference, call.amount, min(month_end(month), today), f"PAY-{call.reference}{LATE_SUFFIX}")],
            today=today)

