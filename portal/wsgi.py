"""The WSGI entry point (gunicorn). Production settings unless DJANGO_SETTINGS_MODULE says
otherwise: a server started without it must not run with DEBUG on and a public SECRET_KEY (the
production settings refuse to start without their SECRET_KEY and ALLOWED_HOSTS)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")
application = get_wsgi_application()
