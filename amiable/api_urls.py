from django.urls import path

from amiable import api

app_name = "amiable-api"

urlpatterns = [
    path("cases/", api.cases_api, name="cases"),
    path("cases/<int:case_id>/extension/", api.case_extension_api, name="case-extension"),
    path("extensions/<int:extension_id>/decision/", api.extension_decision_api, name="extension-decision"),
    path("letters/<int:letter_id>/acknowledge/", api.letter_acknowledge_api, name="letter-acknowledge"),
]
