from django.apps import AppConfig


class CourrierConfig(AppConfig):
    name = "courrier"
    verbose_name = "Courrier papier"
