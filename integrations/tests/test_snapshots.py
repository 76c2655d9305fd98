"""A successful sync files what it read as evidence: the vendor's response pages, gzip'd,
collected by the integration with the sync log's id, linked to the controls it fed."""

import gzip
import json

import pytest

from compliance.models import Evidence
from compliance.tests.factories import ControlFactory
from integrations import services

from .factories import servicenow_integration
from .fakes.server import Reply
from .test_connectors import sn_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def sn(servicenow, rule):
    control = ControlFactory(framework=rule.framework)
    rule.controls.set([control])
    servicenow.records = [sn_record(i, "non_compliant") for i in range(3)]
    integration = servicenow_integration(
        servicenow, page_size=2, rule_mapping={"PS-ENCRYPT": rule.pk}, push_findings=False
    )
    return servicenow, integration, control


def test_a_successful_sync_stores_its_responses_as_evidence(sn, rule):
    _fake, integration, control = sn
    log = services.run_sync(integration_id=integration.pk)
    assert log.status == "success", log.error
    evidence = Evidence.objects.get()
    assert evidence.collected_by_integration_id == integration.pk and evidence.sync_log_id == log.pk
    assert evidence.collected_by is None and evidence.media_type == "application/gzip"
    assert list(evidence.controls.values_list("pk", flat=True)) == [control.pk]
    assert list(evidence.rules.values_list("pk", flat=True)) == [rule.pk]
    assert evidence.source.count("GET ") == 2 and "api/now/table/" in evidence.source
    with evidence.file.open("rb") as handle:
        document = json.loads(gzip.decompress(handle.read()))
    assert document["sync_log"] == log.pk and len(document["calls"]) == 2
    bodies = [json.loads(call["body"]) for call in document["calls"]]
    assert sum(len(body["result"]) for body in bodies) == 3  # the vendor's own pages, as they came
    secret = integration.credentials["password"]
    assert secret not in json.dumps(document)


def test_a_failed_sync_stores_no_evidence(sn):
    fake, integration, _control = sn
    fake.fail_next(Reply(401, {"error": {"message": "User Not Authenticated"}}))
    log = services.run_sync(integration_id=integration.pk)
    assert log.status == "failed"
    assert not Evidence.objects.exists()
