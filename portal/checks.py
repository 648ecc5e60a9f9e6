"""System checks of the platform."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from portal import clock


@register()
def portal_today_is_valid(app_configs, **kwargs):
    """An unreadable ``PORTAL_TODAY`` stops every command at once, not at the first page."""
    errors = []
    for read, example in ((clock.override_date, "PORTAL_TODAY=2026-03-02"), (clock.override_moment, "PORTAL_NOW=2026-03-02T10:15")):
        try:
            read()
        except clock.ClockConfigurationError as error:
            errors.append(Error(str(error), hint=f"Exemple : {example}, ou retirez la variable.", id="portal.E001"))
    return errors


@register(Tags.security, deploy=True)
def portal_today_is_not_forced(app_configs, **kwargs):
    """``PORTAL_TODAY`` and ``PORTAL_NOW`` are for acceptance and training environments only."""
    warnings = []
    try:
        forced_date, forced_moment = clock.override_date(), clock.override_moment()
    except clock.ClockConfigurationError:
        return []  # reported by portal.E001
    if forced_date is not None:
        warnings.append(Warning(
            f"PORTAL_TODAY force la date métier au {forced_date:%d/%m/%Y}.",
            hint="Retirez PORTAL_TODAY de l'environnement de production.",
            id="portal.W001",
        ))
    if forced_moment is not None:
        warnings.append(Warning(
            f"PORTAL_NOW force le moment métier au {forced_moment:%d/%m/%Y à %H:%M}.",
            hint="Retirez PORTAL_NOW de l'environnement de production.",
            id="portal.W001",
        ))
    return warnings


@register(Tags.security, deploy=True)
def sandboxes_are_not_allowed(app_configs, **kwargs):
    """The sandboxes (payment page, e-signature page, LRE console, identity operator, La Poste
    console served by the portal itself) never run in production."""
    from portal.providers import sandboxes_allowed

    if not sandboxes_allowed():
        return []
    return [Error(
        "PORTAL_SANDBOX_PROVIDERS est vrai : les prestataires bac à sable (paiement, signature, LRE, identité, "
        "courrier papier) "
        "et leurs pages sont actifs.",
        hint="En production, utilisez portal.settings.production (les bacs à sable y sont refusés).",
        id="portal.E002",
    )]


@register()
def portal_base_url_is_set(app_configs, **kwargs):
    """Links in e-mails, the e-signature link and the providers' webhooks are built on
    ``PORTAL_BASE_URL``: production has no default (a wrong host would send users and webhooks
    elsewhere)."""
    url = settings.PORTAL_BASE_URL
    parts = urlsplit(url or "")
    if not url:
        return [Error("PORTAL_BASE_URL manque : l'adresse publique du portail (liens des e-mails, webhooks).",
                      hint="Exemple : PORTAL_BASE_URL=https://portail.example.fr", id="portal.E002")]
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        return [Error(f"PORTAL_BASE_URL n'est pas une adresse de site : {url!r}.",
                      hint="Schéma et hôte seulement, ex. https://portail.example.fr", id="portal.E003")]
    return []
