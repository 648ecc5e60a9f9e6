"""The one Celery app. Broker: Redis when REDIS_URL is set, else kombu's filesystem transport.

Production settings unless DJANGO_SETTINGS_MODULE says otherwise (as ``portal.wsgi``): the
``Procfile`` of ``make run`` chooses the dev settings explicitly.
"""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")


@app.on_after_configure.connect
def _make_filesystem_queue(sender, **kwargs):
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


app.autodiscover_tasks()
