"""System checks of the résiliation providers: a known provider for each kind, no sandbox where
sandboxes may not run (production), the gateway's address and key for ``http``, and the webhook
secret (``resiliation.E001`` to ``E004``)."""

from django.core.checks import register

from portal.providers import provider_checks, secret_checks

PROVIDERS = (
    ("RESILIATION_SIGNATURE", "de signature électronique (n'importe qui y « signe » un mandat avec le code affiché)"),
    ("RESILIATION_REGISTERED_MAIL", "de lettre recommandée électronique (un courtier y marque sa propre lettre "
                                    "« Signée »)"),
    ("RESILIATION_IDENTITY", "de vérification d'identité (le code à saisir y est affiché)"),
)


@register()
def resiliation_providers_configured(app_configs, **kwargs):
    errors = []
    for prefix, what in PROVIDERS:
        errors += provider_checks(app="resiliation", setting=f"{prefix}_PROVIDER", url_setting=f"{prefix}_API_URL",
                                  key_setting=f"{prefix}_API_KEY", what=what)
    errors += secret_checks(app="resiliation", setting="RESILIATION_WEBHOOK_SECRET",
                            purpose="les webhooks des prestataires ne peuvent pas être authentifiés")
    return errors
