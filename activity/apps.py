from django.apps import AppConfig


class ActivityConfig(AppConfig):
    name = "activity"
    verbose_name = "Suivi d'activité"
    # The figures are computed, never edited: staff read nothing here (no admin).
    accounting_edits: dict[str, tuple[str, ...]] = {}

    def ready(self) -> None:
        from portal import navigation as nav
        from portal.models import Area

        nav.register(
            app="activity",
            order=5,  # seed 000: the first tile, « suivre votre activité »
            tiles=[nav.Tile("suivre", "votre activité", "activity:index", icon="img/tiles/activity.svg",
                            area=Area.ACTIVITY)],
            section=nav.Section("Activité", [
                nav.Link("Suivre mon activité", "activity:index", area=Area.ACTIVITY),
            ]),
            demo_command="activity_demo",
        )
