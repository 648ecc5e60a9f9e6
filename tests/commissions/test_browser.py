"""« Voir les commissions » in Chromium: from the home tile to a statement's PDF."""

from __future__ import annotations

import re
from datetime import date

import pytest

from commissions import services
from commissions.models import Statement


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_download_a_commission_statement(page, login_page, admin_user, org, february):
    services.statements_issue(period_start=date(2026, 2, 1), today=date(2026, 3, 2))
    statement = Statement.objects.get(organisation=org)
    login_page(admin_user.email)
    page.get_by_role("link", name=re.compile("commissions")).first.click()
    page.wait_for_url("**/commissions/")
    assert "Provisoire" in page.content()
    row = page.locator("tr", has_text=statement.number)
    assert "68,34" in row.inner_text()
    row.get_by_role("link", name=statement.number).click()
    page.wait_for_url(f"**/commissions/{statement.pk}/")
    assert "P-A1" in page.content()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger le PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"releve-commissions-{statement.number}.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
