"""The project's URLs plus stand-in index pages for the modules whose tiles the home shows,
as if those apps were installed (their own issues build the real ones)."""

from django.http import HttpResponse
from django.urls import include, path

from portal.urls import urlpatterns as portal_urlpatterns

STAND_INS = {"amiable": "cases", "resiliation": "letters", "courrier": "envelopes", "billing": "index"}


def stand_in(request):
    return HttpResponse("stand-in")


urlpatterns = [pattern for pattern in portal_urlpatterns if getattr(pattern, "namespace", None) not in STAND_INS]
urlpatterns += [
    path(f"{namespace}/", include(([path("", stand_in, name=name)], namespace)))
    for namespace, name in STAND_INS.items()
]
