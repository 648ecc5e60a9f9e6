from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "library"
    verbose_name = "Documents contractuels"
    # Accounting clerks add the products' documents in the admin; an issued version is never
    # changed or deleted (a correction is a new version).
    accounting_edits = {"productdocument": ("add",)}

    def ready(self) -> None:
        from portal import navigation as nav

        # Issue 13 §4: open to every broker's user (no delegation area).
        nav.register(
            app="library",
            order=14,  # seed 000: « télécharger nos contrats » after the commissions
            tiles=[nav.Tile("télécharger", "nos contrats", "library:documents", icon="img/tiles/contracts.svg")],
            section=nav.Section("Nos contrats", [
                nav.Link("Télécharger nos contrats", "library:documents", audience=nav.INTERMEDIARIES),
            ]),
            demo_command="library_demo",
        )
