"""Back office: clerks schedule commission rates (checked, in French) and read statements."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from commissions import services
from commissions.models import CommissionRate, Statement


def clerk_client(client_for, accounting_user):
    from portal.services import accounting_group_sync

    accounting_group_sync()
    accounting_user.is_staff = True
    accounting_user.save(update_fields=["is_staff"])
    return client_for(accounting_user)


def test_a_clerk_adds_a_rate_for_an_open_month(client_for, accounting_user, products, org, february):
    services.statements_issue(period_start=date(2026, 2, 1), today=date(2026, 3, 2))
    client = clerk_client(client_for, accounting_user)
    url = reverse("admin:commissions_commissionrate_add")
    refused = client.post(url, {"product": products["fleet"].pk, "rate": "9.5", "effective_from": "20/02/2026"})
    assert refused.status_code == 200
    assert "émis jusqu&#x27;au 28/02/2026" in refused.content.decode()
    assert not CommissionRate.objects.filter(product=products["fleet"]).exists()
    too_high = client.post(url, {"product": products["fleet"].pk, "rate": "150", "effective_from": "01/04/2026"})
    assert too_high.status_code == 200 and not CommissionRate.objects.filter(product=products["fleet"]).exists()
    added = client.post(url, {"product": products["fleet"].pk, "rate": "9.5", "effective_from": "01/04/2026"})
    assert added.status_code == 302
    assert CommissionRate.objects.get(product=products["fleet"]).rate == 9.5


def test_a_rate_applied_by_a_statement_is_read_only(client_for, accounting_user, products, org, february):
    services.statements_issue(period_start=date(2026, 2, 1), today=date(2026, 3, 2))
    used = CommissionRate.objects.get(product=products["artisan"], effective_from=date(2026, 2, 15))
    client = clerk_client(client_for, accounting_user)
    url = reverse("admin:commissions_commissionrate_change", args=[used.pk])
    client.post(url, {"product": used.product_id, "rate": "30", "effective_from": "15/02/2026"})
    used.refresh_from_db()
    assert used.rate == 16


def test_a_clerk_reads_a_statement_and_downloads_its_pdf(client_for, accounting_user, org, february):
    services.statements_issue(period_start=date(2026, 2, 1), today=date(2026, 3, 2))
    statement = Statement.objects.get(organisation=org)
    client = clerk_client(client_for, accounting_user)
    page = client.get(reverse("admin:commissions_statement_change", args=[statement.pk]))
    assert page.status_code == 200 and "P-A1" in page.content.decode()
    pdf = client.get(reverse("admin:commissions_statement_pdf", args=[statement.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf["X-Content-Type-Options"] == "nosniff"
