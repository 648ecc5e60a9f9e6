"""System checks of the platform."""

from django.core.checks import Error, Tags, Warning, register

from portal import clock


@register()
def portal_today_is_valid(app_configs, **kwargs):
    """An unreadable ``PORTAL_TODAY`` stops every command at once, not at the first page."""
    try:
        clock.override_date()
    except clock.ClockConfigurationError as error:
        return [Error(str(error), hint="Exemple : PORTAL_TODAY=2026-03-02, ou retirez la variable.", id="portal.E001")]
    return []


@register(Tags.security, deploy=True)
def portal_today_is_not_forced(app_configs, **kwargs):
    """``PORTAL_TODAY`` is for acceptance and training environments only (SPEC §3)."""
    try:
        forced = clock.override_date()
    except clock.ClockConfigurationError:
        return []  # reported by portal.E001
    if forced is None:
        return []
    return [
        Warning(
            f"PORTAL_TODAY force la date métier au {forced:%d/%m/%Y}.",
            hint="Retirez PORTAL_TODAY de l'environnement de production.",
            id="portal.W001",
        )
    ]
