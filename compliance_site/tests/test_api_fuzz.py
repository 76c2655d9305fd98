"""A bounded schemathesis run over every operation of /api/schema/ with a real token, once
per request media type the schema declares (JSON, form, multipart).

0 server errors, 0 responses that break the schema, 0 ignored_auth, 0 use_after_free.
`make fuzz` runs the same with many more examples.

schemathesis draws one of an operation's media types per example, so with a few examples a
form or multipart body is seldom sent (a multipart `parameters=null` 500 went unseen that
way): each run gets a copy of the schema that declares one media type only, and the form
and multipart runs keep just the operations that take one.
"""

import copy
import json
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
MEDIA_TYPES = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")


def schema_for(schema, media):
    """`schema` with request bodies of `media` only; other media types keep only operations
    that take a body of that type."""
    narrowed = copy.deepcopy(schema)
    for path, operations in list(narrowed["paths"].items()):
        for verb, operation in list(operations.items()):
            if not isinstance(operation, dict) or verb == "parameters":
                continue
            content = operation.get("requestBody", {}).get("content")
            if content is None:
                if media != MEDIA_TYPES[0]:
                    del operations[verb]
                continue
            if media not in content:
                del operations[verb]
                continue
            operation["requestBody"]["content"] = {media: content[media]}
        if not any(isinstance(op, dict) and key != "parameters" for key, op in operations.items()):
            del narrowed["paths"][path]
    return narrowed


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
    full = json.loads(schema.content)
    failures = []
    for media in MEDIA_TYPES:
        narrowed = schema_for(full, media)
        assert narrowed["paths"], f"no operation takes {media}"
        name = f"openapi-{media.split('/')[1]}.json"
        (report / name).write_text(json.dumps(narrowed))
        failures += _run(report, name, live_server.url, token)
    assert not failures, "\n\n".join(failures)


def _run(report, schema_name, url, token):
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        "run",
        str(report / schema_name),
        "--url",
        url,
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
    if result.returncode == 0:
        return []
    tail = "\n".join(result.stdout.splitlines()[-80:])
    return [f"schemathesis found problems with {schema_name}:\n{tail}\n{result.stderr[-2000:]}"]
