"""Demo documents for the demo products (idempotent; run by ``seed_demo``): for each product its
conditions générales (the current version and the previous one), its notice d'information and
its tableau de garanties; for Pyramide Artisan also a subscription form and next version of its
conditions générales, not in effect yet."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.html import escape

from library import services
from library.models import DocumentKind, ProductDocument
from portal import clock
from portal.management.demo import DemoCommand
from portal.models import Product
from portal.pdf import pdf_from_html

PAGE = """<html><head><style>@page {{ size: A4; margin: 20mm }} body {{ font: 10.5pt sans-serif; color: #111 }}
h1 {{ color: #003a70; font-size: 17pt }} .meta {{ color: #555 }}</style></head><body>
<h1>{title}</h1><p class="meta">{product} — version {version}, en vigueur à compter du {effective}</p>
<p>{text}</p></body></html>"""
TEXTS = {
    DocumentKind.GENERAL_CONDITIONS: "Les présentes conditions générales définissent les garanties, les exclusions et "
                                     "les obligations de l'assuré et de l'assureur.",
    DocumentKind.INFORMATION_NOTICE: "Cette notice d'information résume les garanties souscrites et les démarches en "
                                     "cas de sinistre.",
    DocumentKind.GUARANTEE_TABLE: "Tableau des garanties, plafonds et franchises applicables.",
    DocumentKind.FORM: "Questionnaire à compléter par l'artisan avant toute souscription.",
}


def demo_pdf(*, product: Product, title: str, kind: str, version: str, effective: date) -> SimpleUploadedFile:
    html = PAGE.format(title=escape(title), product=escape(product.name), version=escape(version),
                       effective=effective.strftime("%d/%m/%Y"), text=TEXTS[kind])
    return SimpleUploadedFile(f"{title}.pdf", pdf_from_html(html), content_type="application/pdf")


def versions(product: Product, today: date) -> list[tuple[str, str, str, date]]:
    """(kind, title, version, date of effect) of a product's demo documents."""
    this_year, last_year = date(today.year, 1, 1), date(today.year - 1, 1, 1)
    rows = [
        (DocumentKind.GENERAL_CONDITIONS, "Conditions générales", f"01-{last_year.year}", last_year),
        (DocumentKind.GENERAL_CONDITIONS, "Conditions générales", f"01-{this_year.year}", this_year),
        (DocumentKind.INFORMATION_NOTICE, "Notice d'information", f"01-{this_year.year}", this_year),
        (DocumentKind.GUARANTEE_TABLE, "Tableau de garanties", f"01-{this_year.year}", this_year),
    ]
    if product.code == "pyramide_artisan":
        upcoming = today + timedelta(days=120)
        rows += [
            (DocumentKind.FORM, "Questionnaire de souscription", f"01-{this_year.year}", this_year),
            (DocumentKind.GENERAL_CONDITIONS, "Conditions générales", f"{upcoming:%m-%Y}", upcoming),
        ]
    return rows


class Command(DemoCommand):
    help = "Dépose les documents contractuels de démonstration des produits (idempotent)."

    def handle(self, *args, **options):
        today = clock.business_today()
        added = 0
        for product in Product.objects.order_by("name"):
            if ProductDocument.objects.filter(product=product).exists():
                continue
            for kind, title, version, effective in versions(product, today):
                services.product_document_add(
                    product=product, kind=kind, title=title, version=version, effective_from=effective,
                    upload=demo_pdf(product=product, title=title, kind=kind, version=version, effective=effective),
                    by=None,
                )
                added += 1
        self.stdout.write(f"Documents contractuels : {added} version(s) déposée(s).")
