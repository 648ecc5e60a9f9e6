from django.apps import AppConfig


class CourrierConfig(AppConfig):
    name = "courrier"
    verbose_name = "Courrier papier"
    # Accounting clerks read envelopes in the admin; every change goes through the pages, the API
    # and the services.
    accounting_edits: dict[str, tuple[str, ...]] = {}

    def ready(self) -> None:
        from courrier import (
            checks,  # noqa: F401  (registers the system checks of its provider)
            concerns,
        )
        from portal import navigation as nav
        from portal.models import Area

        nav.register(
            app="courrier",
            order=30,
            tiles=[nav.Tile("envoyer", "un courrier papier", "courrier:envelopes", icon="img/tiles/courrier.svg",
                            area=Area.COURRIER)],
            # Seed 001 §8: « Courriers papier », right of « Résiliations ».
            section=nav.Section("Courriers papier", [
                nav.Link("Nouveau courrier papier", "courrier:new", area=Area.COURRIER),
                nav.Link("Tous les courriers papiers", "courrier:envelopes", area=Area.COURRIER),
            ]),
            demo_command="courrier_demo",
        )
        concerns.register()  # the envelopes a help request may concern
