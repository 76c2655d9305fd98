"""Evidence through the API: provenance, immutability, versions, limits, content checks,
access levels, the audited streamed download, and bad input."""

import base64
import hashlib
import json
from datetime import timedelta

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from audit.models import AuditLog
from common.roles import AUDITOR, COMPLIANCE_MANAGER, VIEWER
from compliance.models import Evidence

from .factories import ControlFactory, FrameworkFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def upload(client, content=PDF, name="policy.pdf", content_type="application/pdf", **fields):
    data = {"file": SimpleUploadedFile(name, content, content_type=content_type), **fields}
    return client.post("/api/v1/evidence/", data, format="multipart")


@pytest.fixture
def manager(client_as):
    return client_as(COMPLIANCE_MANAGER)


@pytest.fixture
def control():
    return ControlFactory(framework=FrameworkFactory(code="soc2"))


def test_upload_records_provenance_and_derives_expiry(manager, control):
    collected = timezone.now() - timedelta(days=2)
    response = upload(
        manager,
        name="Access review Q1",
        controls=[control.pk],
        collected_at=collected.isoformat(),
        covers_from="2026-01-01",
        covers_to="2026-03-31",
        source="SELECT * FROM access_reviews WHERE quarter = 'Q1'",
        valid_for_days=90,
        access_level="confidential",
        tags=json.dumps(["q1", "access"]),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest()
    assert body["size"] == len(PDF) and body["media_type"] == "application/pdf"
    assert body["controls"] == [control.pk] and body["version"] == 1 and body["replaces"] is None
    assert body["covers_from"] == "2026-01-01" and body["covers_to"] == "2026-03-31"
    assert body["collected_by"] == {"kind": "user", "id": manager.user.pk, "username": manager.user.username}
    assert body["source"].startswith("SELECT") and body["tags"] == ["access", "q1"]
    expires = timezone.datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert abs(expires - (collected + timedelta(days=90))) < timedelta(seconds=1)
    assert AuditLog.objects.filter(action="create", object_id=str(body["id"]), actor=manager.user).exists()


def test_json_record_is_stored_canonically_and_downloads_with_its_digest(manager, control):
    record = {"users": [{"name": "ada", "mfa": True}], "checked": 1}
    response = manager.post("/api/v1/evidence/", {"record": record, "name": "MFA roster", "controls": [control.pk]})
    assert response.status_code == 201, response.content
    body = response.json()
    stored = json.dumps(record, sort_keys=True, separators=(",", ":")).encode()
    assert body["sha256"] == hashlib.sha256(stored).hexdigest() and body["is_record"] is True
    download = manager.get(f"/api/v1/evidence/{body['id']}/download/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == stored
    assert download["Digest"] == "sha-256=" + base64.b64encode(hashlib.sha256(stored).digest()).decode()
    assert AuditLog.objects.filter(action="evidence_downloaded", object_id=str(body["id"])).count() == 1


def test_content_is_immutable_and_a_correction_is_a_new_version(manager, control):
    first = upload(manager, controls=[control.pk], access_level="internal").json()
    assert manager.patch(f"/api/v1/evidence/{first['id']}/", {"name": "x"}).status_code == 405
    assert manager.put(f"/api/v1/evidence/{first['id']}/", {"name": "x"}).status_code == 405
    fixed = PDF.replace(b"Catalog", b"Catalog /Lang (en)")
    response = manager.post(
        f"/api/v1/evidence/{first['id']}/versions/",
        {"file": SimpleUploadedFile("policy-v2.pdf", fixed, content_type="application/pdf")},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    second = response.json()
    assert second["version"] == 2 and second["replaces"] == first["id"]
    assert second["controls"] == [control.pk] and second["name"] == first["name"]  # taken over
    old = manager.get(f"/api/v1/evidence/{first['id']}/").json()
    assert old["sha256"] == first["sha256"] and old["replaced_by"] == second["id"]
    again = manager.post(
        f"/api/v1/evidence/{first['id']}/versions/",
        {"file": SimpleUploadedFile("p.pdf", PDF, content_type="application/pdf")},
        format="multipart",
    )
    assert again.status_code == 409
    assert AuditLog.objects.filter(action="evidence_versioned", object_id=str(second["id"])).exists()
    assert manager.delete(f"/api/v1/evidence/{first['id']}/").status_code == 409  # history is kept
    assert manager.delete(f"/api/v1/evidence/{second['id']}/").status_code == 204


def test_over_the_size_limit_is_413_and_nothing_is_stored(manager, settings):
    settings.EVIDENCE_MAX_UPLOAD_BYTES = 64
    response = upload(manager, content=PDF + b"%" * 100)
    assert response.status_code == 413
    assert not Evidence.objects.exists()


def test_media_type_outside_the_allowlist_is_400(manager):
    response = upload(manager, content=b"MZ\x90\x00", name="tool.exe", content_type="application/x-msdownload")
    assert response.status_code == 400 and "media_type" in response.json()


def test_content_that_does_not_match_its_declared_type_is_refused_and_leaves_no_file(manager):
    root = storages["evidence"].location
    before = sum(1 for _ in __import__("pathlib").Path(root).rglob("*") if _.is_file()) if root else 0
    response = upload(manager, content=PNG, name="fake.pdf", content_type="application/pdf")
    assert response.status_code == 400 and "file" in response.json()
    bad_json = upload(manager, content=b"{not json", name="x.json", content_type="application/json")
    assert bad_json.status_code == 400
    binary_text = upload(manager, content=b"abc\x00def", name="x.txt", content_type="text/plain")
    assert binary_text.status_code == 400
    assert not Evidence.objects.exists()
    after = sum(1 for _ in __import__("pathlib").Path(root).rglob("*") if _.is_file())
    assert after == before


@pytest.mark.parametrize(
    "fields,field",
    [
        ({"covers_from": "2026-03-01", "covers_to": "2026-01-01"}, "covers_to"),
        ({"valid_for_days": "ninety"}, "valid_for_days"),
        ({"valid_for_days": "0"}, "valid_for_days"),
        ({"controls": ["999999"]}, "controls"),
        ({"collected_at": "yesterday"}, "collected_at"),
        ({"access_level": "secret"}, "access_level"),
        ({"tags": "not-a-list"}, "tags"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(manager, fields, field):
    response = upload(manager, **fields)
    assert response.status_code == 400 and field in response.json(), response.content
    assert not Evidence.objects.exists()


def test_neither_file_nor_record_and_malformed_json(manager):
    assert manager.post("/api/v1/evidence/", {"name": "nothing"}).status_code == 400
    malformed = manager.generic("POST", "/api/v1/evidence/", "{broken", content_type="application/json")
    assert malformed.status_code == 400
    assert manager.post("/api/v1/evidence/", {"record": "text"}).status_code == 400
    assert manager.get("/api/v1/evidence/999999/").status_code == 404
    assert manager.get("/api/v1/evidence/999999/download/").status_code == 404


def test_access_levels_decide_who_sees_and_downloads(manager, client_as, control):
    confidential = upload(manager, access_level="confidential").json()
    internal = upload(manager, access_level="internal").json()
    viewer, auditor = client_as(VIEWER), client_as(AUDITOR)
    assert {row["id"] for row in viewer.get("/api/v1/evidence/").json()["results"]} == {internal["id"]}
    assert viewer.get(f"/api/v1/evidence/{confidential['id']}/download/").status_code == 404
    assert auditor.get(f"/api/v1/evidence/{confidential['id']}/download/").status_code == 200
    assert upload(viewer).status_code == 403 and upload(auditor).status_code == 403


def test_filters_control_framework_expired_and_covers_on(manager, control):
    other = ControlFactory(framework=FrameworkFactory(code="iso27001"))
    old = timezone.now() - timedelta(days=40)
    expired = upload(manager, controls=[control.pk], collected_at=old.isoformat(), valid_for_days=30).json()
    current = upload(
        manager, controls=[other.pk], covers_from="2026-01-01", covers_to="2026-06-30", valid_for_days=365
    ).json()

    def ids(query):
        response = manager.get(f"/api/v1/evidence/?{query}")
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(f"control={control.pk}") == {expired["id"]}
    assert ids("framework=iso27001") == {current["id"]}
    assert ids("expired=true") == {expired["id"]} and ids("expired=false") == {current["id"]}
    assert ids("covers_on=2026-02-01") == {current["id"], expired["id"]}  # an open period covers every day
    assert ids("covers_on=2026-07-01") == {expired["id"]}
    assert manager.get("/api/v1/evidence/?expired=perhaps").status_code == 400
    assert manager.get("/api/v1/evidence/?covers_on=someday").status_code == 400


def test_list_query_count_does_not_grow_with_rows(manager, control, django_assert_max_num_queries):
    for _ in range(4):
        upload(manager, controls=[control.pk])
    with django_assert_max_num_queries(12):
        response = manager.get("/api/v1/evidence/")
    assert response.json()["count"] == 4
