"""The Celery side: the beat schedule (in code, synced into django-celery-beat) and the task
bodies, called directly (the worker itself is exercised by tests/portal)."""

from datetime import date

import pytest
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from amiable import tasks
from amiable.models import Case, Letter
from portal.celery import app


@pytest.mark.django_db(transaction=True)  # the scheduler closes and reopens its connection
def test_the_daily_run_is_scheduled_at_six_paris_time_in_django_celery_beat():
    DatabaseScheduler(app=app)  # syncs CELERY_BEAT_SCHEDULE into the database
    entry = PeriodicTask.objects.get(name="amiable-daily-run")
    assert entry.task == "amiable.tasks.amiable_tick_task"
    assert (entry.crontab.hour, entry.crontab.minute) == ("6", "0")
    assert str(entry.crontab.timezone) == "Europe/Paris"
    assert PeriodicTask.objects.filter(name="amiable-payments", task="amiable.tasks.payments_settle_task").exists()


def test_the_daily_task_runs_for_the_business_date(make_case, emission, org, set_today):
    emission(reference="EM-9", policy_number="P-9", member_number="M-9", broker=org, due_date=date(2026, 2, 3))
    set_today(date(2026, 2, 13))
    report = tasks.amiable_tick_task()
    assert "Cycle amiable du 13/02/2026" in report
    assert Case.objects.filter(premium_call__reference="EM-9", reminder_date=date(2026, 2, 13)).exists()


def test_the_render_task_renders_each_letter_once(make_case):
    ids = list(Letter.objects.filter(case=make_case()).values_list("id", flat=True))
    assert tasks.letters_render_task(ids) == 1
    assert tasks.letters_render_task(ids) == 0
    assert not Letter.objects.filter(document__isnull=True).exists()
