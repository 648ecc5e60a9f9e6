from django.urls import include, path

from courrier.views import public

app_name = "courrier"

urlpatterns = [
    path("webhooks/<slug:provider>/", public.webhook, name="webhook"),
    # The sandbox postal provider's console: one include, so a deployment can drop it whole.
    path("bac-a-sable/", include("courrier.sandbox.urls")),
]
