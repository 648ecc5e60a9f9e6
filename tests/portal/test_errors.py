"""The application error, translated once for every page (``portal.middleware``) and shown on
its form by ``portal.views.form_call``: a refusal of rights is a 403 with its French message,
never a form error; any other error of a service is a form error (or a 400)."""

import pytest
from django import forms
from django.http import HttpResponse
from django.urls import path

from portal.errors import ApplicationError, PermissionDeniedError
from portal.views import form_call

REFUSED = "Seul le cabinet en charge de la police peut répondre."
INVALID = "Le délai de réponse est dépassé."


def refuse():
    raise PermissionDeniedError(REFUSED)


def reject():
    raise ApplicationError(INVALID, field="note")


class NoteForm(forms.Form):
    note = forms.CharField(required=False)


def form_view(request, outcome):
    form = NoteForm(request.POST)
    form.is_valid()
    if form_call(form, {"refuse": refuse, "reject": reject, "accept": lambda: "fait"}[outcome]):
        return HttpResponse("fait")
    return HttpResponse(" ".join(form.errors["note"]), status=400)


def raising_view(request, outcome):
    {"refuse": refuse, "reject": reject}[outcome]()


urlpatterns = [path("form/<str:outcome>/", form_view), path("raise/<str:outcome>/", raising_view)]

# The error pages show the exception's message (the product's own pages do it in French).
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "OPTIONS": {"loaders": [("django.template.loaders.locmem.Loader", {
        "403.html": "refusé : {{ exception }}", "400.html": "invalide",
    })]},
}]


@pytest.fixture
def pages(settings):
    settings.ROOT_URLCONF = __name__
    settings.TEMPLATES = TEMPLATES
    settings.DEBUG = False


@pytest.mark.parametrize("kind", ["form", "raise"])
def test_a_refusal_of_rights_is_a_403_with_its_french_message(client, pages, kind):
    response = client.post(f"/{kind}/refuse/")
    assert response.status_code == 403
    assert response.content.decode() == f"refusé : {REFUSED}"


def test_another_error_of_a_service_is_shown_on_its_form(client, pages):
    response = client.post("/form/reject/")
    assert (response.status_code, response.content.decode()) == (400, INVALID)
    assert client.post("/form/accept/").content == b"fait"


def test_another_error_no_view_shows_is_a_400(client, pages):
    assert client.post("/raise/reject/").status_code == 400
