"""The environment a production deployment sets (for tests that start ``manage.py`` under
``portal.settings.production``): a secret key, its host, and real (http) providers with their
gateways and secrets — the sandboxes are refused there."""

import secrets

PRODUCTION = {"SECRET_KEY": secrets.token_urlsafe(64), "ALLOWED_HOSTS": "portail.example.fr",
              "PORTAL_BASE_URL": "https://portail.example.fr"}
# The real (http) providers, their gateways and their secrets, as a production environment sets them.
REAL_PROVIDERS = {
    **{f"{prefix}_{suffix}": value
       for prefix in ("BILLING_PAYMENT", "RESILIATION_SIGNATURE", "RESILIATION_REGISTERED_MAIL", "RESILIATION_IDENTITY",
                      "COURRIER_POSTAL")
       for suffix, value in (("PROVIDER", "http"), ("API_URL", f"https://{prefix.lower()}.example.fr/v1"),
                             ("API_KEY", secrets.token_urlsafe(24)))},
    "BILLING_PAYMENT_SECRET": secrets.token_urlsafe(32),
    "RESILIATION_WEBHOOK_SECRET": secrets.token_urlsafe(32),
    "COURRIER_WEBHOOK_SECRET": secrets.token_urlsafe(32),
}
