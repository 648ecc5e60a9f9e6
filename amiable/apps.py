from django.apps import AppConfig


class AmiableConfig(AppConfig):
    name = "amiable"
    verbose_name = "Cycle amiable"

    def ready(self) -> None:
        from amiable import concerns

        concerns.register()  # the cases a help request may concern
