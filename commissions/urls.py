from django.urls import path

from commissions import views

app_name = "commissions"

urlpatterns = [
    path("", views.statements, name="statements"),
    path("provisoire/", views.provisional, name="provisional"),
    path("provisoire/releve.csv", views.provisional_csv, name="provisional_csv"),
    path("<int:pk>/", views.statement, name="statement"),
    path("<int:pk>/releve.csv", views.statement_csv, name="statement_csv"),
    path("<int:pk>/releve.pdf", views.statement_pdf, name="statement_pdf"),
]
