"""The one way to queue work after commit: queued once the transaction commits, never on
rollback, never run in the request; a batch collects a transaction's ids in one flush."""

import pytest
from django.db import transaction

from portal.transactions import IdsOnCommit, enqueue_on_commit

pytestmark = pytest.mark.django_db


class FakeTask:
    name = "tests.fake_task"

    def __init__(self):
        self.queued = []

    def delay(self, *args):
        self.queued.append(args)


def test_the_task_is_queued_only_after_commit(django_capture_on_commit_callbacks):
    task = FakeTask()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        enqueue_on_commit(task, 7, "deposit")
        assert task.queued == []  # nothing while the transaction is open
    assert task.queued == [(7, "deposit")]
    assert [(c.func.__self__.name, c.args) for c in callbacks] == [("tests.fake_task", (7, "deposit"))]


def test_the_task_is_not_queued_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    task = FakeTask()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError), \
            transaction.atomic():
        enqueue_on_commit(task, 7)
        raise RuntimeError("la modification échoue")
    assert callbacks == [] and task.queued == []


def test_a_batch_flushes_a_transactions_ids_once(django_capture_on_commit_callbacks):
    flushed = []
    batch = IdsOnCommit(flushed.append)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        batch.add([1, 2])
        batch.add([])
        batch.add([3])
        assert flushed == []
    assert len(callbacks) == 1 and flushed == [[1, 2, 3]]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:  # a later transaction: a new batch
        batch.add([4])
    assert len(callbacks) == 1 and flushed == [[1, 2, 3], [4]]


def test_a_rolled_back_batch_is_never_flushed(django_capture_on_commit_callbacks):
    flushed = []
    batch = IdsOnCommit(flushed.append)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            batch.add([1, 2])
            raise RuntimeError("la modification échoue")
        batch.add([3])  # the next transaction starts a batch of its own, without the lost ids
    assert len(callbacks) == 1 and flushed == [[3]]
