from django.apps import AppConfig, apps
from django.db import DEFAULT_DB_ALIAS
from django.db.models.signals import post_migrate


def accounting_group_sync_after_migrate(sender, app_config, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """After ``migrate``, once the permissions of every app exist (Django creates them in its
    own ``post_migrate``, app by app): the accounting group gets exactly its permissions, so a
    deployment also removes what an earlier version granted."""
    last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
    if app_config is not last or using != DEFAULT_DB_ALIAS:
        return
    from portal.services import accounting_group_sync

    accounting_group_sync()


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portail"

    def ready(self) -> None:
        from portal import checks  # noqa: F401  (registers the system checks)

        post_migrate.connect(accounting_group_sync_after_migrate, dispatch_uid="portal.accounting_group_sync")
