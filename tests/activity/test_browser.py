"""« Suivre votre activité » in Chromium: from the home tile (and its news) to the charts, a
period chosen in the filters, then « Télécharger tous les suivis d'activité »."""

import re
from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook

from portal.models import NewsItem


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_open_the_activity_page_see_the_charts_download_the_workbook(page, login_page, portfolio, admin_user):
    NewsItem.objects.create(title="Suivez votre activité", body="Vos **graphiques** sont là.",
                            starts_on=date(2026, 3, 1), ends_on=date(2026, 3, 31))
    login_page(admin_user.email)
    assert page.get_by_role("heading", name="Découvrez les nouveautés de votre espace !").is_visible()
    assert page.get_by_text("Suivez votre activité").is_visible()

    page.get_by_role("link", name=re.compile("votre activité")).click()
    page.wait_for_url("**/activite/")
    charts = page.get_by_role("img")
    assert page.locator("svg.chart__svg").count() == 5
    assert charts.filter(has_text="Cotisations appelées et encaissées par mois d'échéance").count() == 1
    assert page.locator("svg.chart__svg rect.chart__bar").count() > 0
    bar = page.locator("svg.chart__svg").first.locator("rect.chart__bar").first.bounding_box()
    assert bar and bar["height"] > 0  # drawn, without any script

    # The period: October 2025 to January 2026.
    page.get_by_label("Du mois", exact=True).fill("2025-10")
    page.get_by_label("au mois", exact=True).fill("2026-01")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_url(re.compile(r"du=2025-10&au=2026-01"))
    assert page.get_by_text("de octobre 2025 à janvier 2026").is_visible()
    page.get_by_text("Tableau des cotisations par mois").click()
    row = page.locator("tr", has=page.get_by_role("rowheader", name="janvier 2026"))
    assert "66,7 %" in row.first.inner_text()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger tous les suivis d'activité").click()
    download = download_info.value
    assert download.suggested_filename == "suivis-activite-2026-01.xlsx"
    with open(download.path(), "rb") as stream:
        workbook = load_workbook(BytesIO(stream.read()))
    assert workbook.sheetnames == ["Polices par produit", "Cotisations", "Dossiers amiables",
                                   "Suspensions et résiliations"]
    assert [cell.value for cell in workbook["Cotisations"][5]] == ["janvier 2026", 3000, 2000, 66.7]
