from django.apps import AppConfig, apps
from django.db import DEFAULT_DB_ALIAS
from django.db.backends.signals import connection_created
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
    # The back office: accounting clerks view every model of an app that declares this, and add or
    # change the models listed (``portal.services.accounting_permissions``).
    accounting_edits = {
        "organisation": ("add", "change"),
        "member": ("add", "change"),
        "contact": ("add", "change"),
        "policy": ("add", "change"),
        "product": ("add", "change"),
        "delegationprofile": ("add", "change"),
        "user": ("change",),  # brokers' accounts: name, phone, active
        "helprequest": ("change",),  # answer, note, assign, status (portal.help)
        "faqcategory": ("add", "change"),
        "faqentry": ("add", "change"),
        "sitepage": ("change",),  # the footer's pages
        "newsitem": ("add", "change"),  # « Découvrez les nouveautés de votre espace »
    }

    def ready(self) -> None:
        from portal import checks  # noqa: F401  (registers the system checks)
        from portal.sorting import sqlite_functions_install

        post_migrate.connect(accounting_group_sync_after_migrate, dispatch_uid="portal.accounting_group_sync")
        connection_created.connect(sqlite_functions_install, dispatch_uid="portal.sqlite_functions")
        self._register_navigation()

    def _register_navigation(self) -> None:
        from portal import navigation as nav

        nav.register(
            app="portal",
            order=90,
            # Aide (seed 002): help requests and the FAQ.
            # For the brokers' users: staff answer help requests in the admin.
            section=nav.Section("Aide", [
                nav.Link("Demande d'aide", "help_request_new", audience=nav.INTERMEDIARIES),
                nav.Link("Suivi des demandes", "help_requests", audience=nav.INTERMEDIARIES),
                nav.Link("Questions fréquentes", "faq", audience=nav.INTERMEDIARIES),
            ]),
            account_links=[
                nav.Link("Mon compte", "account"),
                nav.Link("Changer mon mot de passe", "password_change"),
                nav.Link("Gérer les utilisateurs du compte", "account_users", audience=nav.ADMINISTRATORS),
                nav.Link("Administration", "admin:index", audience=nav.STAFF),
            ],
            footer_links=[
                nav.Link("Questions fréquentes", "faq", audience=nav.PUBLIC),
                nav.Link("Documentation utilisateur", "site_page", args=("documentation",), audience=nav.PUBLIC),
                nav.Link("Démos", "site_page", args=("demos",), audience=nav.PUBLIC),
                nav.Link("Conditions d'utilisation", "site_page", args=("conditions-utilisation",),
                         audience=nav.PUBLIC),
                nav.Link("Nous contacter", "help_request_new", audience=nav.PUBLIC),
                nav.Link("Politique de confidentialité", "site_page", args=("confidentialite",), audience=nav.PUBLIC),
                nav.Link("Mentions légales", "site_page", args=("mentions-legales",), audience=nav.PUBLIC),
                nav.Link("Documentation de l'API", "api-docs"),
            ],
            demo_command="help_demo",  # help requests in each status
        )
