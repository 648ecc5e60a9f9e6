from django.apps import AppConfig


def credit_status(user) -> str | None:
    """« Crédit : 1 234,56 € » in the top bar (one query)."""
    from billing.selectors import account_balance
    from portal.formatting import format_money

    if user.organisation_id is None:
        return None
    return f"Crédit : {format_money(account_balance(organisation=user.organisation))}"


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Facturation"
    default_auto_field = "django.db.models.BigAutoField"
    # Accounting clerks view every model, schedule prices and set overdraft limits and adjustments.
    accounting_edits = {"price": ("add", "change"), "account": ("change",)}

    def ready(self) -> None:
        from billing import checks  # noqa: F401  (registers the system checks of its providers)
        from portal import navigation as nav
        from portal.models import Area

        nav.register(
            app="billing",
            order=40,
            tiles=[nav.Tile("suivre la", "facturation", "billing:index", icon="img/tiles/billing.svg",
                            area=Area.BILLING)],
            section=nav.Section("Facturation", [
                nav.Link("Crédits, reçus et factures", "billing:index", area=Area.BILLING),
                nav.Link("Acheter des crédits", "billing:purchase", area=Area.BILLING),
            ]),
            statuses=[nav.Status(credit_status, "billing:index", area=Area.BILLING)],
            # « Mon compte » (seed 001 §9): credits, receipts and invoices.
            account_links=[nav.Link("Crédits, reçus et factures", "billing:index", area=Area.BILLING)],
            demo_command="billing_demo",
        )
