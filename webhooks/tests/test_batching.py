"""A delivery batch reads the chain once per window of events, not once per event, and
sends them over one kept connection; the window never outlives the cursor or filter it
was filled for (a replay or a changed filter mid-batch is obeyed)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditChainLink
from audit.services import record_event
from common.testing.receiver import Receiver
from compliance.tests.factories import UserFactory
from webhooks import delivery
from webhooks.models import WebhookSubscription
from webhooks.window import BATCH, Window

pytestmark = pytest.mark.django_db


def emit(n, sealed, prefix="batch"):
    for i in range(n):
        record_event(action="custom_event", message=f"{prefix} {i}")
    sealed()


def subscription(url, events=("custom_event",)):
    return WebhookSubscription.objects.create(
        owner=UserFactory(), url=url, events=list(events), secret={"value": "s" * 20}
    )


def chain_reads(queries):
    table = AuditChainLink._meta.db_table
    return [q for q in queries if q["sql"].lstrip().upper().startswith("SELECT") and f'"{table}"' in q["sql"]]


def messages(receiver):
    return [b["data"]["message"] for b in receiver.bodies()]


def test_a_batch_reads_the_chain_once_per_window_over_one_connection(sealed):
    with Receiver() as receiver:
        hook = subscription(receiver.url)
        emit(30, sealed)
        with CaptureQueriesContext(connection) as queries:
            assert delivery.deliver(hook.pk) == 30
    assert messages(receiver) == [f"batch {i}" for i in range(30)]
    # one read fills the window (30 < BATCH), one finds nothing past it: not one per event
    assert BATCH > 30 and len(chain_reads(queries.captured_queries)) == 2
    assert len(set(receiver.peers)) == 1  # every POST on the one kept connection
    hook.refresh_from_db()
    assert hook.last_seq == AuditChainLink.objects.order_by("-seq").values_list("seq", flat=True).first()
    assert hook.deliveries.filter(delivered=True).count() == 30  # still a log row per event


def test_a_new_connection_when_the_receiver_closes_one(sealed):
    with Receiver(close_on={2}) as receiver:
        hook = subscription(receiver.url)
        emit(4, sealed)
        assert delivery.deliver(hook.pk) == 4
    assert messages(receiver) == [f"batch {i}" for i in range(4)]
    assert len(set(receiver.peers[:2])) == 1 and len(set(receiver.peers)) == 2


def test_the_window_starts_over_when_a_replay_or_a_new_filter_moves_the_cursor(sealed):
    with Receiver() as receiver, delivery.session() as client:
        hook = subscription(receiver.url)
        emit(4, sealed)
        window = Window()
        assert delivery.deliver_next(hook.pk, window=window, client=client)
        assert delivery.deliver_next(hook.pk, window=window, client=client)
        first = WebhookSubscription.objects.get(pk=hook.pk).deliveries.order_by("id").first().seq
        delivery.replay(hook, from_seq=first)  # mid-batch, as another request would
        assert delivery.deliver_next(hook.pk, window=window, client=client)
        assert messages(receiver) == ["batch 0", "batch 1", "batch 0"]
        WebhookSubscription.objects.filter(pk=hook.pk).update(events=["nothing.*"])
        assert not delivery.deliver_next(hook.pk, window=window, client=client)
    assert len(receiver.requests) == 3  # the new filter takes none of the rest
    hook.refresh_from_db()
    assert hook.last_seq == AuditChainLink.objects.order_by("-seq").values_list("seq", flat=True).first()


def test_only_a_delivered_events_commit_skips_the_wal_flush_wait(sealed):
    """A lost successful commit means a resend (at least once); a failure's must not be lost."""
    with Receiver(statuses=[500]) as receiver:
        hook = subscription(receiver.url)
        emit(3, sealed)
        with CaptureQueriesContext(connection) as failing:
            assert delivery.deliver(hook.pk) == 0
        WebhookSubscription.objects.filter(pk=hook.pk).update(next_attempt_at=None)
        with CaptureQueriesContext(connection) as passing:
            assert delivery.deliver(hook.pk) == 3
    assert len(receiver.requests) == 4

    def async_commits(queries):
        return sum("synchronous_commit = off" in q["sql"] for q in queries.captured_queries)

    assert async_commits(failing) == 0 and async_commits(passing) == 3
