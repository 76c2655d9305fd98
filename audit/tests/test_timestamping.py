"""RFC 3161 time-stamps of checkpoints from a real TSA (openssl ts), verified by openssl."""

import base64
import hashlib
import subprocess

import pytest

from audit import timestamping, transparency
from audit.services import record_event

from .tsa import TSA

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_entry(sealed):
    record_event(action="custom_event", message="to be time-stamped")
    sealed()


def test_a_checkpoint_carries_a_token_openssl_verifies(settings, tmp_path, one_entry, client_as):
    with TSA(tmp_path) as tsa:
        settings.AUDIT_TSA_URL = tsa.url
        checkpoint = transparency.publish_checkpoint()
    assert tsa.requests == 1 and checkpoint.timestamp_token
    token = tmp_path / "token.der"
    token.write_bytes(base64.b64decode(checkpoint.timestamp_token))
    digest = hashlib.sha256(checkpoint.note.encode()).hexdigest()
    verify = ["openssl", "ts", "-verify", "-in", str(token), "-token_in", "-CAfile", str(tmp_path / "ca.pem")]
    run = subprocess.run([*verify, "-digest", digest], capture_output=True, text=True)
    assert run.returncode == 0 and "Verification: OK" in run.stdout, run.stdout + run.stderr
    other = hashlib.sha256(b"another note").hexdigest()
    assert subprocess.run([*verify, "-digest", other], capture_output=True).returncode != 0
    body = client_as("Auditor").get("/api/v1/audit-logs/checkpoints/latest/").json()
    assert body["timestamp_token"] == checkpoint.timestamp_token


def test_a_tsa_outage_does_not_stop_checkpoints(settings, tmp_path, one_entry):
    with TSA(tmp_path, status=503) as tsa:
        settings.AUDIT_TSA_URL = tsa.url
        checkpoint = transparency.publish_checkpoint()
    assert tsa.requests == 1 and checkpoint is not None and checkpoint.timestamp_token == ""


def test_no_tsa_no_token(settings, one_entry):
    settings.AUDIT_TSA_URL = None
    assert transparency.publish_checkpoint().timestamp_token == ""


def test_a_token_for_another_request_is_refused(tmp_path):
    import requests

    digest = hashlib.sha256(b"ours").digest()
    with TSA(tmp_path) as tsa:
        reply = requests.post(tsa.url, data=timestamping.request_for(hashlib.sha256(b"theirs").digest(), 7), timeout=10)
    with pytest.raises(timestamping.TimestampError, match="not for this request"):
        timestamping.token_from_response(reply.content, digest, 7)
    with pytest.raises(timestamping.TimestampError):
        timestamping.token_from_response(b"\x30\x03\x30\x01", digest, 7)
    refused = b"\x30\x05\x30\x03\x02\x01\x02"  # status rejection (2), no token
    with pytest.raises(timestamping.TimestampError, match="refused: status 2"):
        timestamping.token_from_response(refused, digest, 7)
