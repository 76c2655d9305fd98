"""The Merkle tree over the chain, signed checkpoints, key rotation and the proof endpoints."""

import base64

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit import merkle, signing, tasks, transparency
from audit.models import AuditChainLink, AuditMerkleNode, AuditSigningKey, AuditTreeCheckpoint
from audit.schedule import BEAT_SCHEDULE
from audit.services import record_event
from common.roles import AUDITOR, COMPLIANCE_ADMIN, VIEWER

from .test_merkle import reference_root
from .verifier import verify_audit

pytestmark = pytest.mark.django_db
BASE = "/api/v1/audit-logs"
OTHER_KEY = base64.b64encode(b"another-test-signing-key-32bytes").decode()


@pytest.fixture
def entries(sealed):
    """entries(n): n more sealed entries; the ids of all of them, in chain order."""

    def make(n):
        for i in range(n):
            record_event(action="custom_event", message=f"entry {i}")
        sealed()
        return list(AuditChainLink.objects.order_by("seq").values_list("entry_id", flat=True))

    return make


def chain_leaves():
    return [
        transparency.leaf_for(h) for h in AuditChainLink.objects.order_by("seq").values_list("entry_hash", flat=True)
    ]


def trusted():
    return [signing.current_key().public]


def test_a_checkpoint_signs_the_rfc_6962_root_of_the_chain(entries):
    entries(5)
    checkpoint = transparency.publish_checkpoint()
    leaves = chain_leaves()
    assert checkpoint.size == len(leaves) and checkpoint.root_hash == reference_root(leaves).hex()
    origin, size, root = verify_audit.open_note(checkpoint.note, trusted())
    assert (origin, size, root.hex()) == (signing.origin(), checkpoint.size, checkpoint.root_hash)
    lines = checkpoint.note.split("\n")
    assert lines[:3] == [origin, str(size), base64.b64encode(root).decode()] and lines[3] == ""
    assert lines[4].startswith(f"\u2014 {signing.current_key().name} ") and lines[5] == ""


def test_nothing_new_no_new_checkpoint_and_growth_costs_log_n(entries):
    entries(40)
    first = transparency.publish_checkpoint()
    assert transparency.publish_checkpoint() == first
    assert AuditTreeCheckpoint.objects.count() == 1
    entries(3)
    with CaptureQueriesContext(connection) as queries:
        second = transparency.publish_checkpoint()
    assert second.size == first.size + 3 and second.root_hash == reference_root(chain_leaves()).hex()
    # lock, size, frontier, links, node insert, last checkpoint, key lookup, checkpoint insert ...:
    # a fixed number of statements whatever the size of the tree
    assert len(queries) <= 14, [q["sql"][:80] for q in queries]
    assert AuditMerkleNode.objects.count() < 2 * second.size


def test_no_key_no_checkpoint(entries, settings):
    settings.AUDIT_SIGNING_KEY = None
    settings.AUDIT_SIGNING_KEY_FILE = None
    entries(2)
    assert transparency.publish_checkpoint() is None and tasks.publish_tree_checkpoint() is None


def test_the_key_may_be_a_pem_file(entries, settings, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private = Ed25519PrivateKey.generate()
    path = tmp_path / "signing.pem"
    path.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    settings.AUDIT_SIGNING_KEY = None
    settings.AUDIT_SIGNING_KEY_FILE = str(path)
    entries(1)
    checkpoint = transparency.publish_checkpoint()
    public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert verify_audit.open_note(checkpoint.note, [public])[1] == checkpoint.size


def test_the_beat_task_runs_every_minute_by_default(entries):
    assert BEAT_SCHEDULE["audit-tree-checkpoint"]["schedule"] == 60.0
    entries(2)
    assert tasks.publish_tree_checkpoint() == AuditChainLink.objects.count()


def test_key_rotation_keeps_old_checkpoints_verifiable(entries, settings):
    entries(3)
    old = transparency.publish_checkpoint()
    old_key = signing.current_key()
    settings.AUDIT_SIGNING_KEY = OTHER_KEY
    entries(2)
    new = transparency.publish_checkpoint()
    new_key = signing.current_key()
    assert old.key_id == old_key.key_id != new.key_id == new_key.key_id
    keys = {k.key_id: k for k in AuditSigningKey.objects.all()}
    assert keys[old.key_id].valid_until == new.timestamp and keys[new.key_id].valid_until is None
    assert keys[old.key_id].valid_from == old.timestamp
    with pytest.raises(verify_audit.Failure, match="no signature by a trusted key"):
        verify_audit.open_note(old.note, [new_key.public])
    both = [old_key.public, new_key.public]
    assert verify_audit.open_note(old.note, both)[1] == old.size
    assert verify_audit.open_note(new.note, both)[1] == new.size


def test_the_tree_is_append_only(entries):
    entries(2)
    transparency.publish_checkpoint()
    for statement in (
        "UPDATE audit_auditmerklenode SET hash = '\\x00'",
        "DELETE FROM audit_audittreecheckpoint",
    ):
        with pytest.raises(Exception, match="append-only"), connection.cursor() as cursor:
            cursor.execute("SAVEPOINT s")
            try:
                cursor.execute(statement)
            finally:
                cursor.execute("ROLLBACK TO SAVEPOINT s")


# --- the API ----------------------------------------------------------------------------
def test_checkpoints_list_latest_detail_and_keys(entries, client_as, settings):
    entries(2)
    transparency.publish_checkpoint()
    entries(2)
    latest = transparency.publish_checkpoint()
    client = client_as(AUDITOR)
    listed = client.get(f"{BASE}/checkpoints/")
    assert listed.status_code == 200
    sizes = [row["size"] for row in listed.json()["results"]]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] == latest.size
    body = client.get(f"{BASE}/checkpoints/latest/").json()
    assert set(body) >= {"size", "root_hash", "timestamp", "note"} and body["note"] == latest.note
    assert client.get(f"{BASE}/checkpoints/{latest.size}/").json()["root_hash"] == latest.root_hash
    assert client.get(f"{BASE}/checkpoints/999999/").status_code == 404
    key = client.get(f"{BASE}/checkpoints/key/").json()
    assert key == {
        "name": signing.current_key().name,
        "public_key": signing.current_key().public_b64,
        "key_id": latest.key_id,
    }
    assert base64.b64decode(key["public_key"]) == signing.current_key().public
    keys = client.get(f"{BASE}/checkpoints/keys/").json()
    assert [k["key_id"] for k in keys] == [latest.key_id] and keys[0]["valid_until"] is None


def test_latest_is_404_before_any_checkpoint(client_as):
    assert client_as(AUDITOR).get(f"{BASE}/checkpoints/latest/").status_code == 404


@pytest.mark.parametrize("role,status", [(VIEWER, 403), (COMPLIANCE_ADMIN, 200)])
def test_proofs_need_the_audit_read_permission(client_as, role, status, entries):
    ids = entries(2)
    transparency.publish_checkpoint()
    client = client_as(role)
    assert client.get(f"{BASE}/proofs/inclusion/", {"entry": ids[0]}).status_code == status
    assert client.get(f"{BASE}/proofs/consistency/", {"from": 1, "to": 2}).status_code == status
    assert client.get(f"{BASE}/checkpoints/key/").status_code == status


def test_anonymous_gets_401(api_client):
    for path in ("checkpoints/", "checkpoints/key/", "proofs/inclusion/?entry=1"):
        assert api_client.get(f"{BASE}/{path}").status_code == 401


def test_inclusion_proofs_verify_against_the_signed_root(entries, client_as):
    ids = entries(13)
    checkpoint = transparency.publish_checkpoint()
    root = bytes.fromhex(checkpoint.root_hash)
    client = client_as(AUDITOR)
    for position, entry_id in enumerate(ids):
        body = client.get(f"{BASE}/proofs/inclusion/", {"entry": entry_id}).json()
        assert body["leaf_index"] == position and body["tree_size"] == checkpoint.size
        path = [bytes.fromhex(h) for h in body["audit_path"]]
        assert verify_audit.verify_inclusion(position, checkpoint.size, bytes.fromhex(body["leaf_hash"]), path, root)
    # in an older, smaller tree too
    body = client.get(f"{BASE}/proofs/inclusion/", {"entry": ids[2], "size": 5}).json()
    old_root = reference_root(chain_leaves()[:5])
    path = [bytes.fromhex(h) for h in body["audit_path"]]
    assert verify_audit.verify_inclusion(2, 5, bytes.fromhex(body["leaf_hash"]), path, old_root)


def test_consistency_proofs_between_checkpoints(entries, client_as):
    entries(6)
    first = transparency.publish_checkpoint()
    entries(9)
    second = transparency.publish_checkpoint()
    body = client_as(AUDITOR).get(f"{BASE}/proofs/consistency/", {"from": first.size, "to": second.size}).json()
    assert body["from"] == first.size and body["to"] == second.size
    proof = [bytes.fromhex(h) for h in body["proof"]]
    assert verify_audit.verify_consistency(
        first.size, second.size, bytes.fromhex(first.root_hash), bytes.fromhex(second.root_hash), proof
    )


@pytest.mark.parametrize(
    "path,params,status",
    [
        ("inclusion", {}, 400),
        ("inclusion", {"entry": "abc"}, 400),
        ("inclusion", {"entry": "-1"}, 400),
        ("inclusion", {"entry": "1.5"}, 400),
        ("inclusion", {"entry": "9" * 40}, 400),
        ("inclusion", {"entry": "99999999"}, 404),
        ("inclusion", {"entry": "FIRST", "size": "1"}, 400),  # the entry is leaf 2: size 1 cannot hold it
        ("inclusion", {"entry": "FIRST", "size": "1000"}, 400),  # beyond the tree
        ("consistency", {"from": "1"}, 400),
        ("consistency", {"from": "x", "to": "2"}, 400),
        ("consistency", {"from": "3", "to": "2"}, 400),
        ("consistency", {"from": "0", "to": "2"}, 400),
        ("consistency", {"from": "1", "to": "1000"}, 400),
    ],
)
def test_proof_parameters_are_checked(entries, client_as, path, params, status):
    ids = entries(3)
    transparency.publish_checkpoint()
    params = {k: (str(ids[1]) if v == "FIRST" else v) for k, v in params.items()}
    response = client_as(AUDITOR).get(f"{BASE}/proofs/{path}/", params)
    assert response.status_code == status, response.content


def test_proofs_index_and_no_writes(client_as):
    client = client_as(AUDITOR)
    index = {row["proof"]: row["url"] for row in client.get(f"{BASE}/proofs/").json()}
    assert index["inclusion"].endswith("/proofs/inclusion/") and index["consistency"].endswith("/proofs/consistency/")
    assert client.post(f"{BASE}/proofs/inclusion/", {}, format="json").status_code == 405
    assert client.post(f"{BASE}/checkpoints/", {}, format="json").status_code == 403


def test_a_key_listed_when_none_is_configured_any_more(entries, client_as, settings):
    entries(1)
    checkpoint = transparency.publish_checkpoint()
    settings.AUDIT_SIGNING_KEY = None
    body = client_as(AUDITOR).get(f"{BASE}/checkpoints/key/").json()
    assert body["key_id"] == checkpoint.key_id


def test_node_positions_round_trip():
    assert merkle.key(3, 5) >> merkle.LEVEL_SHIFT == 3 and merkle.key(3, 5) & ((1 << merkle.LEVEL_SHIFT) - 1) == 5


def test_checkpoints_and_keys_read_as_drf_would(entries):
    """FastReadMixin must give exactly DRF's output for the checkpoint and key serializers."""
    from rest_framework import serializers

    from audit.api.serializers import SigningKeySerializer, TreeCheckpointSerializer

    entries(3)
    checkpoint = transparency.publish_checkpoint()
    assert checkpoint is not None
    for serializer_class, rows in (
        (TreeCheckpointSerializer, list(AuditTreeCheckpoint.objects.all())),
        (SigningKeySerializer, list(AuditSigningKey.objects.all())),
    ):
        assert rows
        drf = [serializers.Serializer.to_representation(serializer_class(), row) for row in rows]
        assert serializer_class(rows, many=True).data == drf
        assert serializer_class(rows[0]).data == drf[0]
