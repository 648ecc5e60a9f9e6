"""A real Celery worker process sends an outbox message (filesystem broker or Redis)."""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, transaction

from portal import notifications
from portal.celery import app
from portal.models import OutboxMessage, OutboxStatus

CELERY = Path(sys.executable).with_name("celery")


def database_url() -> str:
    """The URL of the test database this process uses, for the worker to use the same."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "", safe="") + (f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def celery_worker(tmp_path):
    """Start ``celery -A portal worker`` on the test settings and database; stop it afterwards."""
    app.control.purge()  # tasks an earlier run left in this test process's queue
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test", "DATABASE_URL": database_url()}
    log = tmp_path / "worker.log"
    with log.open("w") as output:
        worker = subprocess.Popen(
            [str(CELERY), "-A", "portal", "worker", "--pool=solo", "--loglevel=INFO", "--without-gossip",
             "--without-mingle", "--without-heartbeat", "--queues", settings.CELERY_TASK_DEFAULT_QUEUE],
            cwd=settings.BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while " ready." not in log.read_text():
            if worker.poll() is not None or time.monotonic() > deadline:
                pytest.fail("Le worker Celery n'a pas démarré :\n" + log.read_text())
            time.sleep(0.2)
        yield log
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_an_outbox_message(celery_worker):
    with transaction.atomic():
        message = notifications.email_enqueue(key="worker-test", to="compta@client.fr",
                                              subject="Votre cotisation", text="Bonjour")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        message.refresh_from_db()
        if message.status == OutboxStatus.SENT:
            break
        time.sleep(0.2)
    assert message.status == OutboxStatus.SENT, celery_worker.read_text()
    assert message.attempts == 1 and message.sent_at is not None
    assert message.provider_message_id != ""  # anymail's test backend answered in the worker
    assert "portal.tasks.outbox_send_task[" in celery_worker.read_text()
    assert OutboxMessage.objects.count() == 1
