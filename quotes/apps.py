from django.apps import AppConfig


class QuotesConfig(AppConfig):
    name = "quotes"
    verbose_name = "Devis Pyramide Artisan"
    # Staff keep the trades and the tariff grid (a grid already in effect is never changed: a new
    # grid with a later date of effect replaces it). Quotes are issued by brokers, read-only here.
    accounting_edits = {"trade": ("add", "change"), "tariff": ("add", "change"), "tariffrate": ("add", "change")}

    def ready(self) -> None:
        from portal import navigation as nav
        from portal.models import Area

        nav.register(
            app="quotes",
            order=15,  # seed 000: « un devis Pyramide Artisan », the last of its tiles
            tiles=[nav.Tile("un devis", "Pyramide Artisan", "quotes:new", icon="img/tiles/quote.svg",
                            area=Area.QUOTES)],
            section=nav.Section("Devis", [
                nav.Link("Nouveau devis Pyramide Artisan", "quotes:new", area=Area.QUOTES),
                nav.Link("Mes devis", "quotes:quotes", area=Area.QUOTES),
            ]),
            demo_command="quotes_demo",
        )
