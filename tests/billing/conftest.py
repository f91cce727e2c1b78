import pytest

from tests.catalog.conftest import echo_service, make_offering, offering, subscribe  # noqa: F401  (shared fixtures)


@pytest.fixture
def queued_runs(django_capture_on_commit_callbacks):
    """``with queued_runs() as queued: client.post(...)``: runs queued by that request execute on leaving the block.

    The test's transaction never commits, so the on-commit hooks are run by hand; Celery's own eager mode
    then runs the real task (``billing.run_period``) in this process without a broker.
    ``tests/billing/test_run_task.py`` runs it on the real worker.
    """
    from kiverbund.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield lambda: django_capture_on_commit_callbacks(execute=True)
    finally:
        app.conf.task_always_eager = previous
