from django.urls import path

from courrier import api

app_name = "courrier-api"

urlpatterns = [
    path("envelopes/", api.envelopes_api, name="envelopes"),
    path("envelopes/<int:envelope_id>/", api.envelope_api, name="envelope"),
    path("envelopes/<int:envelope_id>/send/", api.envelope_send_api, name="envelope-send"),
    path("envelopes/<int:envelope_id>/reschedule/", api.envelope_reschedule_api, name="envelope-reschedule"),
    path("envelopes/<int:envelope_id>/cancel/", api.envelope_cancel_api, name="envelope-cancel"),
]
