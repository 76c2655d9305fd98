import pytest


@pytest.fixture
def eager_celery():
    """Run published tasks in-process (Celery's own eager mode) for tests that follow one through."""
    from compliance_site.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = previous


@pytest.fixture
def celery_worker_thread(transactional_db):
    """A real Celery worker (solo pool, in a thread) consuming this run's Redis database."""
    from celery.contrib.testing.worker import start_worker

    from compliance_site.celery import app

    with app.connection_for_write() as connection:
        for queue in app.conf.task_queues:
            queue.bind(connection.default_channel).purge()  # leftovers from earlier runs
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30) as worker:
        yield worker
