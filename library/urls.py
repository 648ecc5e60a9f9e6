from django.urls import path

from library import views

app_name = "library"

urlpatterns = [
    path("", views.documents, name="documents"),
    path("documents/<int:pk>/", views.document_download, name="download"),
]
