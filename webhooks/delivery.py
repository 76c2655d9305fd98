"""Delivering audit entries and domain events to webhook subscriptions (Standard Webhooks shape).

The chain is the outbox (audit/forwarding.py): each subscription reads the entries past its
cursor, in chain order, and moves the cursor only in the transaction that records the
event's successful delivery. So every event is delivered at least once (a worker killed
mid-delivery leaves the cursor where it was: the event is sent again), in order per
subscription (the subscription row is locked while one event is in flight, and a failed
event is retried before any later one), and never one that was rolled back (it never
reached the chain). A batch reads its pending events once (webhooks/window.py) and keeps
one connection to the receiver; neither changes what is committed when.

Headers: webhook-id (the same on every retry of an event), webhook-timestamp (Unix seconds)
and webhook-signature `v1,<base64 HMAC-SHA256(secret, id + "." + timestamp + "." + body)>`.
"""

import base64
import hashlib
import hmac
import json
import logging
import time
from datetime import timedelta

import requests
from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone

from audit import forwarding
from audit.services import record_event
from common.http import DestinationRefused, SafeSession

from .models import WebhookDelivery, WebhookSubscription
from .window import Window

logger = logging.getLogger(__name__)


def signature(secret, webhook_id, timestamp, body):
    message = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def webhook_id(subscription, seq):
    return f"msg_{subscription.pk}_{seq}"


def body_for(entry, names, event_id):
    payload = {"id": event_id, "type": names[0], "types": names, "data": forwarding.entry_payload(entry)}
    payload["timestamp"] = payload["data"]["timestamp"]
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str).encode()


def session():
    """The SSRF-safe client one delivery batch sends all its POSTs through.

    Its connection to the receiver is kept alive between events (a new TCP connection per
    event was a quarter of the time). A kept connection stays on the address that was
    vetted when it was opened (common/http.py: no second lookup); any new connection, after
    the receiver closed one or for another host, is resolved and vetted again.
    """
    return SafeSession(timeout=(settings.INTEGRATIONS_CONNECT_TIMEOUT, settings.WEBHOOK_TIMEOUT), max_bytes=1024 * 1024)


def _post(subscription, event_id, body, client):
    """(status code or None, error text, ms)."""
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "compliance-platform-webhooks/1",
        "webhook-id": event_id,
        "webhook-timestamp": stamp,
        "webhook-signature": signature(subscription.signing_secret, event_id, stamp, body),
    }
    started = time.monotonic()
    try:
        response = client.post(subscription.url, data=body, headers=headers, allow_redirects=False)
        code, error = response.status_code, ""
    except DestinationRefused as exc:
        code, error = None, f"refused: {exc}"
    except requests.RequestException as exc:
        code, error = None, type(exc).__name__
    return code, error[:500], int((time.monotonic() - started) * 1000)


def deliver_next(subscription_id, *, window, client):
    """Deliver the subscription's next event; True if one was delivered (call again), else False.

    `window` (webhooks.window) holds the batch's pending events, `client` its HTTP session.
    """
    with transaction.atomic():
        subscription = (
            WebhookSubscription.objects.select_for_update()
            .filter(pk=subscription_id, is_active=True, paused_at__isnull=True)
            .first()
        )
        if subscription is None:
            return False
        if subscription.next_attempt_at is not None and subscription.next_attempt_at > timezone.now():
            return False  # backing off
        entry, names, skip_to = window.next_event(subscription)
        if entry is None:
            if skip_to != subscription.last_seq:
                subscription.last_seq = skip_to
                subscription.save(update_fields=["last_seq", "updated_at"])
            window.moved(subscription.last_seq)
            return False
        event_id = webhook_id(subscription, entry["seq"])
        attempt = subscription.failure_count + 1
        code, error, ms = _post(subscription, event_id, body_for(entry, names, event_id), client)
        delivered = code is not None and 200 <= code < 300
        if delivered:
            _commit_without_waiting_for_the_disk()
        WebhookDelivery.objects.create(
            subscription=subscription,
            seq=entry["seq"],
            entry_id=entry["id"],
            event_type=names[0],
            webhook_id=event_id,
            attempt=attempt,
            delivered=delivered,
            status_code=code,
            error=error or ("" if delivered else f"HTTP {code}"),
            duration_ms=ms,
        )
        if delivered:
            subscription.last_seq = entry["seq"]
            subscription.failure_count = 0
            subscription.next_attempt_at = None
        else:
            subscription.last_seq = skip_to  # past the entries it does not take, not past this one
            _failed(subscription)
        subscription.save(update_fields=["last_seq", "failure_count", "next_attempt_at", "paused_at", "updated_at"])
        window.moved(subscription.last_seq)
        return delivered


def _commit_without_waiting_for_the_disk():
    """A delivered event's commit need not wait for its WAL flush (about 4 ms, a third of an event).

    If the database crashes before the flush, the cursor and log row of the last few
    deliveries are lost and those events are sent again: at least once, in order, as after
    a worker crash. A failed attempt keeps the synchronous commit: its backoff, pause and
    `webhook_paused` audit entry must not be lost.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")


def _failed(subscription):
    subscription.failure_count += 1
    backoff = min(
        settings.WEBHOOK_BACKOFF_SECONDS * 2 ** (subscription.failure_count - 1), settings.WEBHOOK_MAX_BACKOFF_SECONDS
    )
    subscription.next_attempt_at = timezone.now() + timedelta(seconds=backoff)
    if subscription.failure_count >= settings.WEBHOOK_FAILURES_BEFORE_PAUSE:
        subscription.paused_at = timezone.now()
        record_event(
            action="webhook_paused",
            instance=subscription,
            message=f"Webhook {subscription.url} paused after {subscription.failure_count} failed deliveries.",
        )
        owner = subscription.owner
        if owner.email:
            transaction.on_commit(
                lambda: send_mail(
                    "Webhook paused",
                    f"Your webhook to {subscription.url} failed {subscription.failure_count} times in a row "
                    "and is paused. Fix the receiver, then replay it from the first missed event.",
                    settings.DEFAULT_FROM_EMAIL,
                    [owner.email],
                    fail_silently=True,
                )
            )


def deliver(subscription_id, *, limit=1000):
    """Deliver up to `limit` events in order; the number delivered.

    One batch: one transaction per event as before (the cursor is committed with each
    delivery), but the chain is read once per window of events, not once per event, and
    the POSTs share one kept-alive connection.
    """
    delivered, events = 0, Window()
    with session() as client:
        while delivered < limit and deliver_next(subscription_id, window=events, client=client):
            delivered += 1
    return delivered


@transaction.atomic
def replay(subscription, *, from_seq):
    """Deliver again from chain seq `from_seq` on (and resume a paused subscription)."""
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    subscription.last_seq = max(from_seq - 1, 0)
    subscription.failure_count = 0
    subscription.next_attempt_at = None
    subscription.paused_at = None
    subscription.save(update_fields=["last_seq", "failure_count", "next_attempt_at", "paused_at", "updated_at"])
    record_event(
        action="webhook_replayed",
        instance=subscription,
        changes={"from_seq": [None, from_seq]},
        message=f"Webhook {subscription.url} replayed from seq {from_seq}.",
    )
    return subscription


def due_subscriptions():
    now = timezone.now()
    return list(
        WebhookSubscription.objects.filter(is_active=True, paused_at__isnull=True)
        .exclude(next_attempt_at__gt=now)
        .values_list("pk", flat=True)
    )
