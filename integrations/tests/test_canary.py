"""A canary secret must never surface: logs, sync logs, audit entries, API bodies, task results,
exception text, or the database column."""

import json
import logging

import pytest
from django.db import connection

from audit.models import AuditLog
from common.roles import AUDITOR, COMPLIANCE_ADMIN
from compliance.tests.factories import DataSourceFactory, record
from integrations import services
from integrations.models import Integration, IntegrationLog
from integrations.tasks import sync_integration

from .conftest import CANARY
from .fakes.server import Reply

pytestmark = pytest.mark.django_db


def everything_stored():
    rows = []
    for entry in AuditLog.objects.all():
        rows.append(json.dumps(entry.changes, default=str) + entry.message + entry.object_repr)
    for log in IntegrationLog.objects.all():
        rows.append(log.message + log.error + json.dumps(log.unmapped))
    for integration in Integration.objects.all():
        rows.append(integration.status_message + integration.credentials_hint + json.dumps(integration.config))
    with connection.cursor() as cursor:
        cursor.execute("SELECT credentials FROM integrations_integration")
        rows += [raw for (raw,) in cursor.fetchall()]
    return "\n".join(rows)


def test_canary_never_leaks(client_as, splunk, servicenow, rule, caplog):
    caplog.set_level(logging.DEBUG)
    admin = client_as(COMPLIANCE_ADMIN)
    bodies = []

    # 1. Set credentials through the API (create, then rotate).
    splunk.token = CANARY
    response = admin.post(
        "/api/v1/integrations/",
        {"name": "SIEM", "provider": "splunk", "config": {"hec_url": splunk.url}, "credentials": {"hec_token": CANARY}},
        format="json",
    )
    assert response.status_code == 201, response.content
    splunk_id = response.json()["id"]
    bodies.append(response.content)
    response = admin.patch(f"/api/v1/integrations/{splunk_id}/", {"credentials": {"hec_token": CANARY}}, format="json")
    bodies.append(response.content)
    assert AuditLog.objects.filter(action="integration_credentials_rotated", impact_level="critical").exists()

    # 2. A vendor that echoes the secret back in its error body.
    servicenow.password = CANARY
    response = admin.post(
        "/api/v1/integrations/",
        {
            "name": "SN",
            "provider": "servicenow",
            "config": {"instance_url": servicenow.url, "rule_mapping": {"PS-ENCRYPT": rule.pk}},
            "credentials": {"username": "svc", "password": CANARY},
        },
        format="json",
    )
    sn_id = response.json()["id"]
    bodies.append(response.content)
    servicenow.fail_next(
        Reply(500, {"error": {"message": f"internal: bad password {CANARY}", "detail": None}}),
        Reply(401, {"error": {"message": f"User {CANARY} Not Authenticated"}}),
    )
    record(rule, DataSourceFactory(), "failed")
    result = sync_integration.apply(kwargs={"integration_id": sn_id, "trigger": "api"}).get()
    bodies.append(json.dumps(result).encode())
    log = IntegrationLog.objects.filter(integration_id=sn_id).latest("id")
    assert log.status == "failed" and "••••" in log.error

    # 3. Connection tests, failing and passing, and the sync task on Splunk.
    bodies.append(admin.post(f"/api/v1/integrations/{sn_id}/test-connection/").content)
    bodies.append(admin.post(f"/api/v1/integrations/{splunk_id}/test-connection/").content)
    bodies.append(json.dumps(sync_integration.apply(kwargs={"integration_id": splunk_id}).get()).encode())
    splunk.token = "rotated-remotely"
    failed = admin.post(f"/api/v1/integrations/{splunk_id}/test-connection/")
    assert failed.json()["ok"] is False
    bodies.append(failed.content)

    # 4. Every read an auditor can make.
    auditor = client_as(AUDITOR)
    for url in (
        "/api/v1/integrations/",
        f"/api/v1/integrations/{sn_id}/",
        f"/api/v1/integrations/{sn_id}/logs/",
        f"/api/v1/integrations/{splunk_id}/logs/",
    ):
        bodies.append(auditor.get(url).content)

    for body in bodies:
        assert CANARY.encode() not in body
    assert CANARY not in everything_stored()
    assert CANARY not in caplog.text
    assert splunk.requests and any(CANARY in r.headers.get("authorization", "") for r in splunk.requests)


def test_decryption_failure_surfaces_as_a_readable_sync_error(settings, splunk):
    from cryptography.fernet import Fernet

    from .factories import splunk_integration

    integration = splunk_integration(splunk)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    log = services.run_sync(integration_id=integration.pk)
    assert log.status == "failed" and "cannot be decrypted with any key in FIELD_ENCRYPTION_KEYS" in log.error
    reloaded = Integration.objects.defer("credentials").get(pk=integration.pk)
    result = services.test_connection(integration=reloaded)
    assert result["ok"] is False and "cannot be decrypted" in result["message"]
    assert splunk.requests == []


def test_api_reads_still_work_when_credentials_cannot_be_decrypted(settings, client_as, splunk):
    from cryptography.fernet import Fernet

    from .factories import splunk_integration

    integration = splunk_integration(splunk)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    client = client_as(COMPLIANCE_ADMIN)
    assert client.get(f"/api/v1/integrations/{integration.pk}/").json()["credentials_set"] is True
    body = client.post(f"/api/v1/integrations/{integration.pk}/test-connection/").json()
    assert body["ok"] is False and "Re-enter the credentials" in body["message"]
    # Re-entering the credentials under the new key repairs it.
    response = client.patch(
        f"/api/v1/integrations/{integration.pk}/", {"credentials": {"hec_token": splunk.token}}, format="json"
    )
    assert response.status_code == 200
    assert client.post(f"/api/v1/integrations/{integration.pk}/test-connection/").json()["ok"] is True
