from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = "Attestations d'assurance"
    # Accounting clerks keep the main guarantees each product's certificates print; certificates
    # themselves are read-only (stored as issued).
    accounting_edits = {"productguarantee": ("add", "change")}

    def ready(self) -> None:
        from portal import navigation as nav
        from portal.models import Area

        nav.register(
            app="certificates",
            order=12,
            # Seed 000: « obtenir une attestation client ».
            tiles=[nav.Tile("obtenir une", "attestation client", "certificates:new",
                            icon="img/tiles/certificate.svg", area=Area.CERTIFICATES)],
            section=nav.Section("Attestations", [
                nav.Link("Obtenir une attestation client", "certificates:new", area=Area.CERTIFICATES),
                nav.Link("Attestations délivrées", "certificates:list", area=Area.CERTIFICATES),
            ]),
            demo_command="certificates_demo",
        )
