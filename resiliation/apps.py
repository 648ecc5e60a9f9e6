from django.apps import AppConfig


class ResiliationConfig(AppConfig):
    name = "resiliation"
    verbose_name = "Résiliation"

    def ready(self) -> None:
        from resiliation import checks, concerns  # noqa: F401  (checks: registers the providers' system checks)

        concerns.register()  # the letters a help request may concern
