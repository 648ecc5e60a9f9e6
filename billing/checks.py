"""System checks of the payment provider: a known provider, no sandbox where sandboxes may not
run (production), the gateway's address and key for ``http``, and the notification secret
(``billing.E001`` to ``E004``)."""

from django.core.checks import register

from portal.providers import provider_checks, secret_checks


@register()
def payment_provider_configured(app_configs, **kwargs):
    return provider_checks(
        app="billing", setting="BILLING_PAYMENT_PROVIDER", url_setting="BILLING_PAYMENT_API_URL",
        key_setting="BILLING_PAYMENT_API_KEY",
        what="de paiement (n'importe quel numéro de carte y achète des crédits)",
    ) + secret_checks(app="billing", setting="BILLING_PAYMENT_SECRET",
                      purpose="les notifications de paiement ne peuvent pas être authentifiées")
