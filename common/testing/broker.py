"""Point the Celery app at another broker URL for the length of a test."""

import contextlib


@contextlib.contextmanager
def broker_url(url, monkeypatch):
    """Celery reads CELERY_BROKER_URL from the environment before its configuration, and
    caches connection and producer pools; all three are switched and restored here."""
    from celery import current_app as app

    def reset_pools():
        app._pool = None
        app.amqp._producer_pool = None

    monkeypatch.setenv("CELERY_BROKER_URL", url)
    original = app.conf.broker_url
    app.conf.broker_url = url
    reset_pools()
    try:
        yield app
    finally:
        app.conf.broker_url = original
        reset_pools()
