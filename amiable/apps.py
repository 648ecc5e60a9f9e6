from django.apps import AppConfig


class AmiableConfig(AppConfig):
    name = "amiable"
    verbose_name = "Cycle amiable"
    # Accounting clerks view every model, put cases on manual follow-up and decide requests.
    accounting_edits = {"case": ("change",), "extensionrequest": ("change",)}

    def ready(self) -> None:
        from amiable import concerns
        from portal import navigation as nav
        from portal.models import Area

        nav.register(
            app="amiable",
            order=10,
            tiles=[nav.Tile("gérer", "le cycle amiable", "amiable:cases", icon="img/tiles/amiable.svg",
                            area=Area.AMIABLE)],
            section=nav.Section("Cycle amiable", [
                nav.Link("Gérer le cycle amiable", "amiable:cases", area=Area.AMIABLE),
                nav.Link("Actions en attente", "amiable:cases", query="pending=1", area=Area.AMIABLE,
                         audience=nav.INTERMEDIARIES),
            ]),
            demo_command="amiable_demo",
        )
        concerns.register()  # the cases a help request may concern
