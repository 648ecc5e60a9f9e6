from django.apps import AppConfig


class ResiliationConfig(AppConfig):
    name = "resiliation"
    verbose_name = "Résiliation"
    # Accounting clerks view every model and keep the insurers' directory and ORIAS certificates.
    accounting_edits = {"insurer": ("add", "change"), "insurerrequest": ("change",),
                        "oriascertificate": ("change",)}

    def ready(self) -> None:
        from portal import navigation as nav
        from portal.models import Area
        from resiliation import checks, concerns  # noqa: F401  (checks: registers the providers' system checks)

        def folder(label: str, key: str) -> nav.Link:
            return nav.Link(label, "resiliation:letters", query=f"dossier={key}", area=Area.RESILIATION)

        nav.register(
            app="resiliation",
            order=20,
            tiles=[nav.Tile("résilier", "un contrat", "resiliation:letters", icon="img/tiles/resiliation.svg",
                            area=Area.RESILIATION)],
            # Seed 001 §6 « Menu Résiliations ».
            section=nav.Section("Résiliations", [
                nav.Link("Nouvelle résiliation", "resiliation:new", query="recommencer=1", area=Area.RESILIATION),
                nav.Link("Tous les courriers", "resiliation:letters", area=Area.RESILIATION),
                folder("Courriers à terminer", "drafts"),
                folder("Courriers programmés", "scheduled"),
                folder("Courriers envoyés", "sent"),
                nav.Link("Exporter", "resiliation:export", area=Area.RESILIATION),
                folder("Corbeille", "trash"),
            ]),
            demo_command="resiliation_demo",
        )
        concerns.register()  # the letters a help request may concern
        from portal import notifications
        from resiliation import emails

        # The subscriber's secret links (signature page, documents) are made as each e-mail is sent.
        notifications.key_link_register(prefix=emails.KEY_PREFIX, make=emails.secret_link)
