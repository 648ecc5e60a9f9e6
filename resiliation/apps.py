from django.apps import AppConfig


class ResiliationConfig(AppConfig):
    name = "resiliation"
    verbose_name = "Résiliation"

    def ready(self) -> None:
        from resiliation import checks  # noqa: F401  (registers the system checks of its providers)
