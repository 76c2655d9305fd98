"""Webhook subscriptions over the API, and deliveries to a real receiver on 127.0.0.1:
Standard Webhooks headers and signature, event filters, retries with backoff, timeouts,
pausing and telling the owner, the delivery log and replay."""

import base64
import hashlib
import hmac
import json

import pytest
from django.core import mail
from django.utils import timezone

from audit.models import AuditChainLink
from audit.services import record_event
from common.roles import AUDITOR, COMPLIANCE_ADMIN, COMPLIANCE_MANAGER, VIEWER
from common.testing.receiver import Receiver
from compliance.tests.factories import DataSourceFactory, FindingFactory, FrameworkFactory, RuleFactory
from webhooks import delivery
from webhooks.models import WebhookSubscription

pytestmark = pytest.mark.django_db
URL = "/api/v1/webhooks/"
SECRET = "whsec-test-secret-0123456789"


def subscribe(client, url, events=("*",)):
    response = client.post(URL, {"url": url, "events": list(events), "secret": SECRET}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def emit(n, sealed, prefix="hook"):
    for i in range(n):
        record_event(action="custom_event", message=f"{prefix} {i}")
    sealed()


def mine(receiver, prefix="hook"):
    return [b for b in receiver.bodies() if b["data"].get("message", "").startswith(prefix)]


def test_create_list_and_the_secret_is_write_only(client_as):
    admin = client_as(COMPLIANCE_ADMIN)
    created = subscribe(admin, "https://hooks.example.com/in")
    assert "secret" not in created and created["owner"] == admin.user.pk and created["is_active"] is True
    assert WebhookSubscription.objects.get(pk=created["id"]).signing_secret == SECRET
    assert "secret" not in client_as(AUDITOR).get(f"{URL}{created['id']}/").json()
    patched = admin.patch(f"{URL}{created['id']}/", {"is_active": False}, format="json")
    assert patched.status_code == 200 and patched.json()["is_active"] is False
    assert admin.delete(f"{URL}{created['id']}/").status_code == 204


@pytest.mark.parametrize("role,status", [(AUDITOR, 403), (COMPLIANCE_MANAGER, 403), (VIEWER, 403)])
def test_only_admins_manage_webhooks(client_as, role, status):
    body = {"url": "https://hooks.example.com/in", "events": ["*"], "secret": SECRET}
    assert client_as(role).post(URL, body, format="json").status_code == status


@pytest.mark.parametrize(
    "body,field",
    [
        ({"url": "ftp://hooks.example.com/x"}, "url"),
        ({"url": "http://10.0.0.5/x"}, "url"),
        ({"url": 5}, "url"),
        ({"events": []}, "events"),
        ({"events": "*"}, "events"),
        ({"events": ["not a name!"]}, "events"),
        ({"events": ["x"] * 51}, "events"),
        ({"secret": "short"}, "secret"),
        ({"secret": None}, "secret"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client_as, settings, body, field):
    settings.INTEGRATIONS_ALLOW_HTTP = False
    settings.INTEGRATIONS_ALLOW_PRIVATE_NETWORKS = False
    full = {"url": "https://hooks.example.com/in", "events": ["*"], "secret": SECRET, **body}
    response = client_as(COMPLIANCE_ADMIN).post(URL, full, format="json")
    assert response.status_code == 400 and field in response.json(), response.content


def test_malformed_json_oversized_and_unknown_ids(client_as):
    admin = client_as(COMPLIANCE_ADMIN)
    assert admin.post(URL, "{not json", content_type="application/json").status_code == 400
    huge = {"url": "https://hooks.example.com/" + "a" * 3000, "events": ["*"], "secret": SECRET}
    assert admin.post(URL, huge, format="json").status_code == 400
    assert admin.get(f"{URL}999999/").status_code == 404
    assert admin.get(f"{URL}999999/deliveries/").status_code == 404
    assert admin.post(f"{URL}999999/replay/", {"from_seq": 1}, format="json").status_code == 404
    assert admin.get(f"{URL}abc/").status_code == 404


def test_events_arrive_in_order_signed_as_standard_webhooks(client_as, sealed):
    admin = client_as(COMPLIANCE_ADMIN)
    with Receiver() as receiver:
        hook = subscribe(admin, receiver.url)
        emit(5, sealed)
        assert delivery.deliver(hook["id"]) >= 5
        assert delivery.deliver(hook["id"]) == 0  # nothing new
    seqs = [body["data"]["seq"] for body in receiver.bodies()]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert [b["data"]["message"] for b in mine(receiver)] == [f"hook {i}" for i in range(5)]
    for headers, body in receiver.requests:
        expected = hmac.new(
            SECRET.encode(), f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body, hashlib.sha256
        ).digest()
        assert headers["webhook-signature"] == "v1," + base64.b64encode(expected).decode()
        assert json.loads(body)["id"] == headers["webhook-id"] and headers["webhook-timestamp"].isdigit()
    log = admin.get(f"{URL}{hook['id']}/deliveries/").json()["results"]
    assert len(log) == len(receiver.requests) and all(row["delivered"] and row["status_code"] == 200 for row in log)


def test_the_event_filter_and_domain_events(client_as, sealed):
    admin = client_as(COMPLIANCE_ADMIN)
    with Receiver() as frameworks, Receiver() as resolved:
        a = subscribe(admin, frameworks.url, ["compliance.framework.*"])
        b = subscribe(admin, resolved.url, ["finding.resolved"])
        FrameworkFactory(code="hooked")
        finding = FindingFactory(rule=RuleFactory(), data_source=DataSourceFactory())
        finding.status = "resolved"
        finding.save()
        emit(2, sealed)
        delivery.deliver(a["id"])
        delivery.deliver(b["id"])
    assert {body["type"] for body in frameworks.bodies()} == {"compliance.framework.create"}
    assert [body["types"] for body in resolved.bodies()] == [["compliance.finding.update", "finding.resolved"]]
    # the cursors moved past what they do not take
    last = AuditChainLink.objects.order_by("-seq").values_list("seq", flat=True).first()
    assert WebhookSubscription.objects.get(pk=a["id"]).last_seq == last


def test_5xx_is_retried_with_backoff_in_order_with_the_same_id(client_as, sealed, settings):
    settings.WEBHOOK_BACKOFF_SECONDS = 30
    admin = client_as(COMPLIANCE_ADMIN)
    with Receiver(statuses=[500, 503]) as receiver:
        hook = subscribe(admin, receiver.url, ["custom_event"])
        emit(3, sealed)
        assert delivery.deliver(hook["id"]) == 0
        subscription = WebhookSubscription.objects.get(pk=hook["id"])
        assert subscription.failure_count == 1 and subscription.next_attempt_at > timezone.now()
        assert delivery.deliver(hook["id"]) == 0 and len(receiver.requests) == 1  # backing off: nothing sent
        WebhookSubscription.objects.filter(pk=hook["id"]).update(next_attempt_at=timezone.now())
        assert delivery.deliver(hook["id"]) == 0  # the second attempt gets a 503
        subscription.refresh_from_db()
        assert subscription.failure_count == 2 and (subscription.next_attempt_at - timezone.now()).total_seconds() > 50
        WebhookSubscription.objects.filter(pk=hook["id"]).update(next_attempt_at=timezone.now())
        assert delivery.deliver(hook["id"]) == 3
    ids = [headers["webhook-id"] for headers, _ in receiver.requests]
    assert ids[0] == ids[1] == ids[2] and len(set(ids)) == 3  # the same event three times, then the next two
    assert [b["data"]["message"] for b in receiver.bodies()] == ["hook 0", "hook 0", "hook 0", "hook 1", "hook 2"]
    log = admin.get(f"{URL}{hook['id']}/deliveries/").json()["results"]
    assert [(row["attempt"], row["status_code"], row["delivered"]) for row in reversed(log)][:3] == [
        (1, 500, False),
        (2, 503, False),
        (3, 200, True),
    ]


def test_a_timeout_is_a_failure(client_as, sealed, settings):
    settings.WEBHOOK_TIMEOUT = 1
    with Receiver(delay=3) as receiver:
        hook = subscribe(client_as(COMPLIANCE_ADMIN), receiver.url, ["custom_event"])
        emit(1, sealed)
        assert delivery.deliver(hook["id"]) == 0
    row = WebhookSubscription.objects.get(pk=hook["id"]).deliveries.get()
    assert not row.delivered and row.status_code is None and "Timeout" in row.error


def test_a_failing_subscription_is_paused_its_owner_told_and_replay_resumes_it(
    client_as, sealed, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_FAILURES_BEFORE_PAUSE = 2
    admin = client_as(COMPLIANCE_ADMIN)
    admin.user.email = "owner@example.com"
    admin.user.save()
    with Receiver(statuses=[502, 502]) as receiver:
        hook = subscribe(admin, receiver.url, ["custom_event"])
        emit(2, sealed)
        first_seq = AuditChainLink.objects.order_by("-seq").values_list("seq", flat=True)[1]
        with django_capture_on_commit_callbacks(execute=True):
            delivery.deliver(hook["id"])
            delivery.deliver(hook["id"])
        subscription = WebhookSubscription.objects.get(pk=hook["id"])
        assert subscription.paused_at is not None and delivery.deliver(hook["id"]) == 0
        assert len(mail.outbox) == 1 and mail.outbox[0].to == ["owner@example.com"]
        assert "paused" in mail.outbox[0].body
        replayed = admin.post(f"{URL}{hook['id']}/replay/", {"from_seq": first_seq}, format="json")
        assert replayed.status_code == 200 and replayed.json()["paused_at"] is None
        assert delivery.deliver(hook["id"]) == 2
    assert [b["data"]["message"] for b in receiver.bodies()] == ["hook 0", "hook 0", "hook 0", "hook 1"]
    assert admin.post(f"{URL}{hook['id']}/replay/", {"from_seq": "x"}, format="json").status_code == 400
    assert client_as(AUDITOR).post(f"{URL}{hook['id']}/replay/", {"from_seq": 1}, format="json").status_code == 403
