from django.urls import path

from activity import views

app_name = "activity"

urlpatterns = [
    path("", views.index, name="index"),
    path("suivis-activite.xlsx", views.export, name="export"),
]
