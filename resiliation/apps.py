from django.apps import AppConfig


class ResiliationConfig(AppConfig):
    name = "resiliation"
    verbose_name = "Résiliation"
