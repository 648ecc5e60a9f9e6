from django.urls import path

from courrier.sandbox import views

app_name = "sandbox"

urlpatterns = [
    path("<int:pk>/", views.console, name="console"),
]
