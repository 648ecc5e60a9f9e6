from django.conf import settings

from portal import navigation
from portal.providers import sandboxes_allowed


def portal(request):
    # sandbox_providers: the links to the sandboxes' own pages show only where they are routed.
    # nav: the top menu, account menu, footer and tiles, computed only when a template reads them.
    return {"insurer_name": settings.PORTAL_INSURER_NAME, "sandbox_providers": sandboxes_allowed(),
            "nav": navigation.for_request(request)}
