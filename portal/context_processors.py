from django.conf import settings


def portal(request):
    return {"insurer_name": settings.PORTAL_INSURER_NAME}
