from django.urls import path

from certificates import views

app_name = "certificates"

# Included at the site's root (portal/urls.py): the pages of the area, and without login the
# public page the QR code of every certificate points to.
urlpatterns = [
    path("attestations/", views.certificates, name="list"),
    path("attestations/nouvelle/", views.new, name="new"),
    path("attestations/<int:pk>/attestation.pdf", views.download, name="download"),
    path("verifier/", views.verify_form, name="verify_form"),
    path("verifier/<str:code>", views.verify, name="verify"),
]
