import pytest


@pytest.fixture
def eager_celery():
    """Run published tasks in-process (Celery's own eager mode) for tests that follow one through."""
    from compliance_site.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = previous
