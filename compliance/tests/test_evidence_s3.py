"""Evidence in an S3-compatible store: moto's server on 127.0.0.1 stands in for the vendor,
reached over real HTTP by django-storages and boto3."""

import hashlib
import urllib.request

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from common.roles import COMPLIANCE_MANAGER

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%s3 test\n%%EOF\n"


@pytest.fixture
def s3(settings, monkeypatch):
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    # moto keeps its state per process, not per server: start every test from an empty store.
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=5).close()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    client.create_bucket(Bucket="evidence-test")
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": "evidence-test",
                "endpoint_url": endpoint,
                "region_name": "us-east-1",
                "location": "evidence",
                "file_overwrite": False,
            },
        },
    }
    yield client
    server.stop()


def test_upload_lands_in_the_bucket_and_downloads_through_the_permission_check(s3, client_as):
    manager = client_as(COMPLIANCE_MANAGER)
    response = manager.post(
        "/api/v1/evidence/",
        {"file": SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket="evidence-test")["Contents"]]
    assert len(keys) == 1 and keys[0].startswith("evidence/") and keys[0].endswith("scan.pdf")
    stored = s3.get_object(Bucket="evidence-test", Key=keys[0])["Body"].read()
    assert hashlib.sha256(stored).hexdigest() == response.json()["sha256"]
    download = manager.get(f"/api/v1/evidence/{response.json()['id']}/download/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF


def test_a_refused_upload_leaves_nothing_in_the_bucket(s3, client_as):
    manager = client_as(COMPLIANCE_MANAGER)
    response = manager.post(
        "/api/v1/evidence/",
        {"file": SimpleUploadedFile("fake.png", PDF, content_type="image/png")},
        format="multipart",
    )
    assert response.status_code == 400
    assert s3.list_objects_v2(Bucket="evidence-test").get("KeyCount") == 0
