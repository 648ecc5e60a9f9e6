from django.urls import path

from amiable import views

app_name = "amiable"

urlpatterns = [
    path("", views.cases, name="cases"),
    path("export.csv", views.cases_export, name="export"),
    path("dossiers/<int:case_id>/reponse/", views.case_answer, name="answer"),
    path("courriers/<int:letter_id>/lu/", views.letter_acknowledge, name="acknowledge"),
    path("courriers/<int:letter_id>/pdf/", views.letter_download, name="letter_pdf"),
    path("polices/<int:policy_id>/historique/", views.policy_history, name="history"),
]
