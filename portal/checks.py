"""System checks of the platform."""

from django.core.checks import Tags, Warning, register

from portal import clock


@register(Tags.security, deploy=True)
def portal_today_is_not_forced(app_configs, **kwargs):
    """``PORTAL_TODAY`` is for acceptance and training environments only (SPEC §3)."""
    forced = clock.override_date()
    if forced is None:
        return []
    return [
        Warning(
            f"PORTAL_TODAY force la date métier au {forced:%d/%m/%Y}.",
            hint="Retirez PORTAL_TODAY de l'environnement de production.",
            id="portal.W001",
        )
    ]
