from django.apps import AppConfig


class CommissionsConfig(AppConfig):
    name = "commissions"
    verbose_name = "Commissions"
    # Accounting clerks view statements and schedule the products' commission rates.
    accounting_edits = {"commissionrate": ("add", "change")}

    def ready(self) -> None:
        from portal import navigation as nav
        from portal.models import Area

        nav.register(
            app="commissions",
            order=13,  # after the cycle amiable and the certificates, as on seed 000's home
            # Seed 000's home: « voir les commissions ».
            tiles=[nav.Tile("voir les", "commissions", "commissions:statements", icon="img/tiles/commissions.svg",
                            area=Area.COMMISSIONS)],
            section=nav.Section("Commissions", [
                nav.Link("Relevés de commissions", "commissions:statements", area=Area.COMMISSIONS),
                nav.Link("Mois en cours (provisoire)", "commissions:provisional", area=Area.COMMISSIONS),
            ]),
            demo_command="commissions_demo",
        )
