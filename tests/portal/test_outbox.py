"""The e-mail outbox (SPEC §9): nothing lost when the provider is down, nothing sent twice."""

import contextlib
import importlib
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from portal import notifications
from portal.models import OutboxMessage, OutboxStatus, PersonalLink
from tests.flaky_email import FlakyEmailBackend

pytestmark = pytest.mark.django_db


class WallClock:
    """Moves Django's ``timezone.now`` (the outbox's back-off and lease), not the business date."""

    def __init__(self, monkeypatch):
        self.now = timezone.now()
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def wall_clock(monkeypatch):
    return WallClock(monkeypatch)


@pytest.fixture
def provider(settings):
    settings.EMAIL_BACKEND = "tests.flaky_email.FlakyEmailBackend"
    FlakyEmailBackend.reset()
    yield FlakyEmailBackend
    FlakyEmailBackend.reset()


def enqueue(count: int) -> list[OutboxMessage]:
    return [
        notifications.email_enqueue(key=f"test:{index}", to=f"client{index}@exemple.fr",
                                    subject=f"Votre cotisation n° {index}", text=f"Bonjour {index}",
                                    html=f"<p>Bonjour {index}</p>")
        for index in range(count)
    ]


def work_until_idle(wall_clock, *, rounds: int = 30) -> None:
    """What the worker and the periodic flush do, round after round, time passing between."""
    for _ in range(rounds):
        due = notifications.outbox_due_ids()
        if not due:
            return
        for message_id in due:
            with contextlib.suppress(notifications.EmailDeliveryError):  # retried in a later round
                notifications.outbox_send(message_id=message_id)
        wall_clock.advance(timedelta(hours=1))
    raise AssertionError("the outbox never emptied")


def test_provider_failing_then_recovering_sends_every_message_exactly_once(provider, wall_clock):
    messages = enqueue(5)
    provider.reset(failures=7)  # the first seven sends fail, then the provider answers again
    work_until_idle(wall_clock)
    assert sorted(email.to[0] for email in mail.outbox) == sorted(message.to for message in messages)
    assert len(mail.outbox) == 5
    assert provider.attempts == 12
    rows = OutboxMessage.objects.order_by("id")
    assert {row.status for row in rows} == {OutboxStatus.SENT}
    assert all(row.sent_at and row.last_error == "" for row in rows)
    assert sum(row.attempts for row in rows) == 12
    first = mail.outbox[0]
    assert first.subject.startswith("Votre cotisation") and first.alternatives[0][1] == "text/html"


def test_a_failure_puts_the_message_back_with_a_growing_back_off(provider, wall_clock):
    [message] = enqueue(1)
    provider.reset(failures=2)
    with pytest.raises(notifications.EmailDeliveryError) as first:
        notifications.outbox_send(message_id=message.id)
    assert first.value.retry_in == timedelta(seconds=30)
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING and "503" in message.last_error
    assert notifications.outbox_due_ids() == []  # not before its next attempt
    assert notifications.outbox_send(message_id=message.id) is False
    wall_clock.advance(timedelta(seconds=31))
    with pytest.raises(notifications.EmailDeliveryError) as second:
        notifications.outbox_send(message_id=message.id)
    assert second.value.retry_in == timedelta(seconds=60)
    wall_clock.advance(timedelta(seconds=61))
    assert notifications.outbox_send(message_id=message.id) is True
    assert len(mail.outbox) == 1


def test_a_claimed_message_is_not_sent_by_a_second_worker(provider):
    [message] = enqueue(1)
    second_worker = []
    provider.reset(during_send=lambda email: second_worker.append(notifications.outbox_send(message_id=message.id)))
    assert notifications.outbox_send(message_id=message.id) is True
    assert second_worker == [False]
    assert notifications.outbox_send(message_id=message.id) is False  # already sent
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert message.attempts == 1


class WorkerDied(BaseException):
    """The process is killed in the middle of a send (not an error the outbox can catch)."""


def test_a_stale_sending_lease_is_retried(provider, wall_clock):
    [message] = enqueue(1)

    def die(email):
        raise WorkerDied

    provider.reset(during_send=die)
    with pytest.raises(WorkerDied):
        notifications.outbox_send(message_id=message.id)
    provider.reset()
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENDING
    assert notifications.outbox_due_ids() == []
    assert notifications.outbox_send(message_id=message.id) is False  # the lease still runs
    wall_clock.advance(notifications.LEASE + timedelta(seconds=1))
    assert notifications.outbox_due_ids() == [message.id]
    assert notifications.outbox_send(message_id=message.id) is True
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.SENT, 2)


def test_after_max_attempts_the_message_is_failed_and_left_alone(provider, wall_clock):
    [message] = enqueue(1)
    provider.reset(failures=1000)
    for _ in range(notifications.MAX_ATTEMPTS - 1):
        with pytest.raises(notifications.EmailDeliveryError):
            notifications.outbox_send(message_id=message.id)
        wall_clock.advance(timedelta(hours=2))
    assert notifications.outbox_send(message_id=message.id) is False  # the last attempt gives up
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxStatus.FAILED, notifications.MAX_ATTEMPTS)
    assert "Le fournisseur d'e-mails ne répond pas" in message.last_error
    wall_clock.advance(timedelta(days=1))
    assert notifications.outbox_due_ids() == []
    assert notifications.outbox_send(message_id=message.id) is False
    assert provider.attempts == notifications.MAX_ATTEMPTS
    assert mail.outbox == []


def test_enqueue_is_idempotent_by_key_and_sends_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = notifications.email_enqueue(key="k", to="a@exemple.fr", subject="Objet", text="Texte")
        again = notifications.email_enqueue(key="k", to="a@exemple.fr", subject="Objet", text="Texte")
    assert first.id == again.id and OutboxMessage.objects.count() == 1
    assert len(callbacks) == 1  # one send task, queued when the transaction commits


def test_a_rolled_back_change_leaves_no_message(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        notifications.email_enqueue(key="k", to="a@exemple.fr", subject="Objet", text="Texte")
        raise RuntimeError("la modification échoue")
    assert not OutboxMessage.objects.exists()
    assert callbacks == []


def test_many_emails_at_once_are_written_in_bulk_and_queued_in_batches_after_commit(
    monkeypatch, django_capture_on_commit_callbacks
):
    from portal import tasks

    queued: list[list[int]] = []
    monkeypatch.setattr(tasks.outbox_send_batch_task, "delay", lambda ids: queued.append(list(ids)))
    monkeypatch.setattr(notifications, "SEND_BATCH", 2)
    notifications.email_enqueue(key="k0", to="a@exemple.fr", subject="Objet", text="Texte")  # already there
    emails = [notifications.Email(key=f"k{index}", to=f"c{index}@exemple.fr", subject="Objet", text=f"Texte {index}")
              for index in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.emails_enqueue(emails=emails) == 4
        assert queued == []  # nothing before the commit
    ids = list(OutboxMessage.objects.filter(key__in=["k1", "k2", "k3", "k4"]).order_by("id").values_list("id", flat=True))
    assert queued == [ids[:2], ids[2:]]
    assert OutboxMessage.objects.get(key="k3").body_text == "Texte 3"
    assert OutboxMessage.objects.get(key="k0").to == "a@exemple.fr"  # an existing key is left alone


def test_a_rolled_back_bulk_leaves_no_message(django_capture_on_commit_callbacks):
    emails = [notifications.Email(key="k", to="a@exemple.fr", subject="Objet", text="Texte")]
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError), transaction.atomic():
        notifications.emails_enqueue(emails=emails)
        raise RuntimeError("la modification échoue")
    assert not OutboxMessage.objects.exists() and callbacks == []


def test_a_batch_sends_each_message_and_retries_a_refused_one_on_its_own(provider, monkeypatch):
    from portal import tasks

    messages = enqueue(3)
    retried = []
    monkeypatch.setattr(tasks.outbox_send_task, "apply_async",
                        lambda args, countdown: retried.append((args, countdown)))
    provider.reset(failures=1)  # the first send is refused
    assert tasks.outbox_send_batch_task([message.id for message in messages]) == 2
    assert retried == [((messages[0].id,), 30.0)]
    assert sorted(email.to[0] for email in mail.outbox) == [messages[1].to, messages[2].to]
    assert OutboxMessage.objects.get(id=messages[0].id).status == OutboxStatus.PENDING


# ---------------------------------------------------------------------- personal links


def reset_email(user, *, html: bool = False) -> OutboxMessage:
    placeholder = notifications.PERSONAL_LINK_PLACEHOLDER
    return notifications.email_enqueue(
        key=f"reset:{user.pk}", to=user.email, subject="Mot de passe", text=f"Votre lien : {placeholder}",
        html=f"<p><a href=\"{placeholder}\">Choisir un mot de passe</a></p>" if html else "",
        personal_link=PersonalLink.PASSWORD_RESET, personal_link_user=user,
    )


def stored(message: OutboxMessage) -> str:
    row = OutboxMessage.objects.filter(id=message.id).values().get()
    return " ".join(str(value) for value in row.values())


def test_a_personal_link_is_made_at_each_attempt_and_never_stored(provider, wall_clock, admin_user):
    """Refused twice by the provider, then sent once; every attempt made the link afresh and
    none left it in the database."""
    attempts_seen: list[str] = []
    provider.reset(failures=2, during_send=lambda email: attempts_seen.append(email.body))
    message = reset_email(admin_user, html=True)
    work_until_idle(wall_clock)
    [email] = mail.outbox
    path = reverse("password_reset_confirm", kwargs={"uidb64": urlsafe_base64_encode(force_bytes(admin_user.pk)),
                                                     "token": "TOKEN"}).removesuffix("TOKEN/")
    assert len(attempts_seen) == 3 and all(path in body for body in attempts_seen)
    token = email.body.split(path)[1].rstrip("/")
    assert default_token_generator.check_token(admin_user, token)
    assert f'href="{settings.PORTAL_BASE_URL}{path}{token}/"' in email.alternatives[0][0]
    message.refresh_from_db()
    assert message.status == OutboxStatus.SENT and message.attempts == 3
    assert path not in stored(message) and token not in stored(message)
    assert "[lien personnel masqué]" in message.body_text and "[lien personnel masqué]" in message.body_html


def test_a_personal_link_needs_its_place_its_user_and_nothing_else_has_one(admin_user):
    placeholder = notifications.PERSONAL_LINK_PLACEHOLDER
    wrong = [
        {"text": "Pas d'emplacement", "personal_link": PersonalLink.PASSWORD_RESET, "personal_link_user": admin_user},
        {"text": placeholder, "personal_link": PersonalLink.PASSWORD_RESET},
        {"text": placeholder, "html": "<p>sans lien</p>", "personal_link": PersonalLink.PASSWORD_RESET,
         "personal_link_user": admin_user},
        {"text": placeholder, "personal_link": "inconnu", "personal_link_user": admin_user},
        {"text": f"Un emplacement sans lien : {placeholder}"},
    ]
    for index, arguments in enumerate(wrong):
        with pytest.raises(ValueError):
            notifications.email_enqueue(key=f"k{index}", to="a@exemple.fr", subject="Objet", **arguments)
    with pytest.raises(ValueError):
        notifications.emails_enqueue(emails=[notifications.Email(key="b", to="a@exemple.fr", subject="Objet",
                                                                 text=placeholder)])
    assert not OutboxMessage.objects.exists()


def test_reset_e_mails_stored_with_their_link_before_are_redacted_by_the_migration(admin_user, wall_clock):
    """Rows an earlier version wrote (link in the body, token in the key): the migration masks
    them; a pending one gets a fresh link when it goes out."""
    migration = importlib.import_module("portal.migrations.0005_outbox_personal_link")
    uid = urlsafe_base64_encode(force_bytes(admin_user.pk))
    token = default_token_generator.make_token(admin_user)
    body = f"Suivez ce lien :\n\nhttps://portail.example.fr/compte/reinitialiser/{uid}/{token}/\n\nCordialement"
    pending = OutboxMessage.objects.create(key=f"password-reset:{uid}:{token}", to=admin_user.email,
                                           subject="Réinitialisation", body_text=body)
    sent = OutboxMessage.objects.create(key=f"password-reset:{uid}:{token}x", to=admin_user.email,
                                        subject="Réinitialisation", body_text=body.replace(token, token + "x"),
                                        status=OutboxStatus.SENT)
    other = OutboxMessage.objects.create(key="digest:a@exemple.fr:2026-03-02", to="a@exemple.fr", subject="Résumé",
                                         body_text="https://portail.example.fr/amiable/")
    migration.redact_password_reset_links(django_apps, None)
    for message in (pending, sent):
        assert token not in stored(message) and "reinitialiser" not in stored(message)
        message.refresh_from_db()
        assert message.body_text == "Suivez ce lien :\n\n[lien personnel masqué]\n\nCordialement"
        assert message.personal_link_user == admin_user
    assert OutboxMessage.objects.get(id=other.id).body_text == "https://portail.example.fr/amiable/"
    work_until_idle(wall_clock)
    [email] = [email for email in mail.outbox if email.to == [admin_user.email]]  # the pending one
    assert email.body.startswith(f"Suivez ce lien :\n\n{settings.PORTAL_BASE_URL}/compte/reinitialiser/{uid}/")
