"""A bounded schemathesis run over every operation of /api/schema/ with a real token.

0 server errors, 0 responses that break the schema, 0 ignored_auth, 0 use_after_free.
`make fuzz` runs the same with many more examples.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from common.roles import COMPLIANCE_ADMIN
from compliance.tests.factories import DataSourceFactory, FindingFactory, RuleFactory

pytestmark = pytest.mark.django_db(transaction=True)

CHECKS = "not_a_server_error,response_schema_conformance,ignored_auth,use_after_free"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))
PHASES = os.environ.get("FUZZ_PHASES", "examples,fuzzing")


def test_schemathesis_finds_nothing(live_server, client_as):
    client = client_as(COMPLIANCE_ADMIN)
    token = client._credentials["HTTP_AUTHORIZATION"]
    for _ in range(2):
        FindingFactory(rule=RuleFactory(), data_source=DataSourceFactory())
    report = Path(settings.BASE_DIR) / "test-artifacts" / "schemathesis"
    report.mkdir(parents=True, exist_ok=True)
    # The schema needs a login; schemathesis sends its headers to the API, not to the schema URL.
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    (report / "openapi.json").write_bytes(schema.content)
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        str(report / "openapi.json"),
        "--url",
        live_server.url,
        "--phases",
        PHASES,
        "--header",
        f"Authorization: {token}",
        "--checks",
        CHECKS,
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        "20261128",
        "--request-timeout",
        "30",
        "--report",
        "junit",
        "--report-dir",
        str(report),
        "--suppress-health-check",
        "all",
        "--no-color",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=1500, env=os.environ)
    tail = "\n".join(result.stdout.splitlines()[-80:])
    assert result.returncode == 0, f"schemathesis found problems:\n{tail}\n{result.stderr[-2000:]}"
