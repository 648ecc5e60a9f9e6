from django.urls import path

from quotes import views

app_name = "quotes"

urlpatterns = [
    path("", views.quotes, name="quotes"),
    path("nouveau/", views.new, name="new"),
    path("<int:pk>/devis.pdf", views.quote_pdf, name="pdf"),
]
