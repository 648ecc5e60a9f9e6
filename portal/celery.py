"""The one Celery app. Broker: Redis when REDIS_URL is set, else kombu's filesystem transport.

Production settings unless DJANGO_SETTINGS_MODULE says otherwise (as ``portal.wsgi``): the
``Procfile`` of ``make run`` chooses the dev settings explicitly.
"""

import os
from pathlib import Path

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.production")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")


@app.on_after_configure.connect
def _make_filesystem_queue(sender, **kwargs):
    options = sender.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@signals.setup_logging.connect
def _logging_from_django(**kwargs):
    """Workers and beat log like the web (Django's LOGGING: LOG_FORMAT, LOG_LEVEL) instead of
    Celery's own format."""
    import logging.config

    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


# The request id (and user id) of the request — or task — that queues a task travel in the
# message's headers, and are bound while the task runs (portal/logs.py).
_task_log_tokens: dict[str, object] = {}


@signals.before_task_publish.connect
def _carry_request_id(headers=None, **kwargs):
    from portal import logs

    if headers is None:
        return
    request_id, user_id = logs.current_request_id(), logs.current_user_id()
    if request_id:
        headers.setdefault(logs.TASK_REQUEST_ID, request_id)
    if user_id is not None:
        headers.setdefault(logs.TASK_USER_ID, user_id)


@signals.task_prerun.connect
def _bind_request_id(task_id=None, task=None, **kwargs):
    from portal import logs

    request = task.request
    _task_log_tokens[task_id] = logs.bind(logs.LogContext(
        request_id=getattr(request, logs.TASK_REQUEST_ID, None),
        user_id=getattr(request, logs.TASK_USER_ID, None),
        task_id=task_id, task_name=task.name,
    ))


@signals.task_postrun.connect
def _unbind_request_id(task_id=None, **kwargs):
    from portal import logs

    token = _task_log_tokens.pop(task_id, None)
    if token is not None:
        logs.unbind(token)


app.autodiscover_tasks()
