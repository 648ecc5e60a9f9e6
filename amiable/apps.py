from django.apps import AppConfig


class AmiableConfig(AppConfig):
    name = "amiable"
    verbose_name = "Cycle amiable"
