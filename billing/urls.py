from django.urls import path

from billing import views
from portal.providers import sandboxes_allowed

app_name = "billing"

urlpatterns = [
    path("", views.index, name="index"),
    path("achat-de-credits/", views.purchase, name="purchase"),
    # Purchase tokens are URL-safe base64 (secrets.token_urlsafe): anything else never reaches a query.
    path("achat-de-credits/<slug:token>/", views.purchase_result, name="purchase_result"),
    path("paiement/notification/", views.payment_callback, name="payment_callback"),
    path("recus/<int:receipt_id>/pdf/", views.receipt_pdf, name="receipt_pdf"),
    path("factures/<int:invoice_id>/pdf/", views.invoice_pdf, name="invoice_pdf"),
]

if sandboxes_allowed():  # never routed in production: the sandbox bank's card page
    urlpatterns.append(path("paiement/bac-a-sable/<slug:token>/", views.sandbox_payment, name="sandbox_payment"))
