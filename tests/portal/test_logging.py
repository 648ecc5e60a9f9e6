"""Structured logs: JSON lines in production, plain text in development; a request id from the
proxy (when safe) or made here, sent back, on every line of the request and of the Celery tasks
it starts; the user's id when known; nothing personal."""

import io
import json
import logging
import re
import smtplib
from datetime import datetime

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.urls import reverse

from portal import logs
from portal.tasks import outbox_flush_task
from tests.portal.test_clock import manage
from tests.portal.test_worker import celery_worker as celery_worker  # fixture: a real worker

HEX_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def json_lines():
    """What the root logger writes through the production formatter, as parsed JSON objects."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logs.json_formatter())
    handler.addFilter(logs.ContextFilter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)

    def _lines() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield _lines
    root.removeHandler(handler)
    root.setLevel(level)


def test_a_request_gets_an_id_sent_back_and_on_its_log_lines(client, json_lines, db):
    response = client.post(reverse("login"), {"username": "personne@client.fr", "password": "faux"})
    request_id = response["X-Request-ID"]
    assert HEX_ID.fullmatch(request_id)
    failure = [line for line in json_lines() if line["logger"].startswith("axes")]
    assert failure and all(line["request_id"] == request_id and line["user_id"] is None for line in failure)
    assert "personne@client.fr" not in json.dumps(json_lines())
    assert client.get(reverse("login"))["X-Request-ID"] != request_id  # one id per request


@pytest.mark.parametrize("header", ["d1c9b2a0-7f6e-4c1b-9f58-2f1e0c3d4b5a", "a3f9c2e1b0d4", "req-42:abc.def_1"])
def test_a_safe_id_from_the_proxy_is_kept(client, header, db):
    assert client.get(reverse("login"), HTTP_X_REQUEST_ID=header)["X-Request-ID"] == header


@pytest.mark.parametrize("header", ["", " ", "a b", "x" * 129, "abc\ninjected", "<script>", "-leading-dash",
                                    "Root=1-6789:abc", "jean.dupont@client.fr"])
def test_an_unsafe_id_from_the_proxy_is_replaced(client, header, db):
    assert HEX_ID.fullmatch(client.get(reverse("login"), HTTP_X_REQUEST_ID=header)["X-Request-ID"])


def test_the_access_line_names_the_route_and_the_user_never_the_path(client_for, admin_user, json_lines, settings):
    settings.PORTAL_ACCESS_LOG = True
    response = client_for(admin_user).get(reverse("home"), {"q": "jean.dupont@client.fr"})
    [line] = [line for line in json_lines() if line["logger"] == "portal.access"]
    assert line["request_id"] == response["X-Request-ID"] and line["user_id"] == admin_user.pk
    assert (line["method"], line["route"], line["view"], line["status"]) == ("GET", "", "home", 200)
    assert line["duration_ms"] >= 0 and "jean.dupont" not in json.dumps(line)


def test_no_access_line_unless_asked(client, json_lines, db, settings):
    settings.PORTAL_ACCESS_LOG = False
    client.get(reverse("login"))
    assert not [line for line in json_lines() if line["logger"] == "portal.access"]


def test_a_not_found_line_has_no_query_string_and_no_request_object(client, json_lines, db):
    response = client.get("/nulle-part/", {"email": "jean.dupont@client.fr"})
    assert response.status_code == 404
    [line] = [line for line in json_lines() if line["logger"] == "django.request"]
    assert line["request_id"] == response["X-Request-ID"] and line["level"] == "WARNING"
    assert "request" not in line and "jean.dupont" not in json.dumps(line)


def test_a_json_line_has_time_level_logger_message_and_exception(json_lines):
    token = logs.bind(logs.LogContext(request_id="abc123", user_id=7))
    try:
        try:
            1 / 0  # noqa: B018
        except ZeroDivisionError:
            logging.getLogger("portal.test").exception("Échec du calcul %s", 42)
    finally:
        logs.unbind(token)
    [line] = json_lines()
    assert datetime.fromisoformat(line["time"]).tzinfo is not None
    assert (line["level"], line["logger"], line["message"]) == ("ERROR", "portal.test", "Échec du calcul 42")
    assert (line["request_id"], line["user_id"]) == ("abc123", 7)
    assert "ZeroDivisionError: division by zero" in line["exception"]


def test_the_user_is_never_looked_up_for_a_log_line(rf, django_assert_num_queries, db):
    from django.contrib.auth.middleware import AuthenticationMiddleware
    from django.contrib.sessions.middleware import SessionMiddleware

    request = rf.get("/")
    SessionMiddleware(lambda r: None).process_request(request)
    AuthenticationMiddleware(lambda r: None).process_request(request)
    with django_assert_num_queries(0):
        assert logs.request_user_id(request) is None  # the lazy user stays unevaluated


def test_a_task_run_in_process_binds_its_ids_then_gives_back_the_request_s(json_lines, db):
    token = logs.bind(logs.LogContext(request_id="requete-1"))
    try:
        result = outbox_flush_task.apply()
        assert logs.current_request_id() == "requete-1"
    finally:
        logs.unbind(token)
    assert result.successful() and logs.current_request_id() is None


@pytest.mark.parametrize(("settings_module", "expected"), [("portal.settings.dev", "plain"),
                                                           ("portal.settings.production", "json")])
def test_plain_text_in_development_json_in_production(settings_module, expected, tmp_path):
    from tests.production import PRODUCTION, REAL_PROVIDERS

    result = manage("shell", "-c", "import logging; logging.getLogger('portal.test').warning('Bonjour %s', 1)",
                    settings_module=settings_module, DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
                    **PRODUCTION, **REAL_PROVIDERS)
    [line] = [line for line in result.stderr.splitlines() if "Bonjour" in line]
    if expected == "json":
        record = json.loads(line)
        assert (record["level"], record["logger"], record["message"]) == ("WARNING", "portal.test", "Bonjour 1")
        assert set(record) == {"time", "level", "logger", "message", "request_id", "user_id"}
    else:
        assert line.endswith("WARNING portal.test Bonjour 1") and not line.startswith("{")


def test_an_unknown_log_format_stops_with_a_clear_message():
    result = manage("check", settings_module="portal.settings.dev", LOG_FORMAT="xml")
    assert result.returncode != 0 and "LOG_FORMAT doit valoir « plain » ou « json »" in result.stderr


@pytest.fixture
def json_worker(monkeypatch, request):
    """A real Celery worker (tests/portal/test_worker.py) writing JSON lines; its log file."""
    monkeypatch.setenv("LOG_FORMAT", "json")
    return request.getfixturevalue("celery_worker")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_tasks_a_request_starts_log_its_request_id(client, json_worker, admin_user):
    from portal.models import OutboxMessage, OutboxStatus
    from portal.tasks import outbox_send_task

    response = client.post(reverse("password_reset"), {"email": admin_user.email})
    assert response.status_code == 302
    request_id = response["X-Request-ID"]
    # And a task queued by a known user's request carries that user's id.
    with transaction.atomic():
        token = logs.bind(logs.LogContext(request_id="requete-connue", user_id=admin_user.pk))
        try:
            outbox_send_task.delay(OutboxMessage.objects.get().pk)
        finally:
            logs.unbind(token)

    def worker_lines() -> list[dict]:
        return [json.loads(line) for line in json_worker.read_text().splitlines() if line.startswith("{")]

    import time

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        done = [line for line in worker_lines() if "succeeded" in line["message"]]
        if len(done) >= 2:
            break
        time.sleep(0.2)
    assert OutboxMessage.objects.get().status == OutboxStatus.SENT
    lines = worker_lines()
    first = [line for line in lines if line["request_id"] == request_id]
    assert first and all(line["user_id"] is None and line["task_name"] == "portal.tasks.outbox_send_task"
                         for line in first), json_worker.read_text()
    assert any("succeeded" in line["message"] for line in first)
    second = [line for line in lines if line["request_id"] == "requete-connue"]
    assert second and all(line["user_id"] == admin_user.pk for line in second), json_worker.read_text()
    assert admin_user.email not in json_worker.read_text()


class RefusingBackend(BaseEmailBackend):
    """What Django's SMTP backend raises when the server refuses a recipient."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused({email_messages[0].to[0]: (550, b"5.1.1 User unknown")})


def test_an_e_mail_failure_logs_no_address(json_lines, settings, db):
    from portal import notifications
    from portal.models import OutboxMessage

    settings.EMAIL_BACKEND = "tests.portal.test_logging.RefusingBackend"
    with transaction.atomic():
        message = notifications.email_enqueue(key="refus", to="jean.dupont@client.fr", subject="Cotisation",
                                              text="Bonjour")
    with pytest.raises(notifications.EmailDeliveryError) as error:
        notifications.outbox_send(message_id=message.id)
    [line] = [line for line in json_lines() if line["logger"] == "portal.notifications"]
    assert line["message"] == f"outbox message {message.id} failed (attempt 1): SMTPRecipientsRefused"
    assert "jean.dupont" not in str(error.value)  # what Celery's retry line shows
    assert "jean.dupont@client.fr" in OutboxMessage.objects.get().last_error  # for staff, in the admin
