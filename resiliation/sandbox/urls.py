from django.urls import path

from resiliation.sandbox import views

urlpatterns = [
    path("signature/<str:token>/", views.sign, name="sign"),
    path("signature/<str:token>/mandat.pdf", views.sign_document, name="sign_document"),
    path("<int:pk>/bac-a-sable/lre/", views.sandbox_mail, name="sandbox_mail"),
]
