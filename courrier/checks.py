"""System checks of the postal provider: a known provider, no sandbox where sandboxes may not
run (production), the gateway's address and key for ``http``, and the webhook secret
(``courrier.E001`` to ``E004``)."""

from django.core.checks import register

from courrier.providers import SETTING
from portal.providers import provider_checks, secret_checks


@register()
def postal_provider_configured(app_configs, **kwargs):
    return provider_checks(
        app="courrier", setting=SETTING, url_setting="COURRIER_POSTAL_API_URL", key_setting="COURRIER_POSTAL_API_KEY",
        what="postal (aucun courrier n'y est imprimé ni posté : ses plis « distribués » sont fictifs)",
    ) + secret_checks(app="courrier", setting="COURRIER_WEBHOOK_SECRET",
                      purpose="les webhooks du prestataire postal ne peuvent pas être authentifiés")
