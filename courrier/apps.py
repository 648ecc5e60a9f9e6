from django.apps import AppConfig


class CourrierConfig(AppConfig):
    name = "courrier"
    verbose_name = "Courrier papier"

    def ready(self) -> None:
        from courrier import (
            checks,  # noqa: F401  (registers the system checks of its provider)
            concerns,
        )

        concerns.register()  # the envelopes a help request may concern
