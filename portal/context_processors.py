from django.conf import settings

from portal.providers import sandboxes_allowed


def portal(request):
    # sandbox_providers: the links to the sandboxes' own pages show only where they are routed.
    return {"insurer_name": settings.PORTAL_INSURER_NAME, "sandbox_providers": sandboxes_allowed()}
