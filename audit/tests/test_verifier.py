"""tools/verify_audit.py against real exports of the API, untouched and tampered with every way."""

import ast
import base64
import copy
import json
import subprocess
import sys

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audit import exports, signing, transparency
from audit.models import AuditLog
from audit.services import record_event
from common.roles import AUDITOR

from .verifier import PATH, verify_audit

pytestmark = pytest.mark.django_db


def _record(n, sealed):
    for i in range(n):
        record_event(action="custom_event", message=f"event {i}", changes={"n": [i, i + 1], "f": [0.5, None]})
    sealed()


@pytest.fixture
def export(client_as, sealed):
    """A JSON export through the API of 30 entries with checkpoints along the way."""
    client = client_as(AUDITOR)
    for n in (4, 7, 9):
        _record(n, sealed)
        transparency.publish_checkpoint()
    _record(10, sealed)
    response = client.get("/api/v1/audit-logs/export/", {"file_format": "json"})
    assert response.status_code == 200
    return json.loads(b"".join(response.streaming_content))


def keys():
    return [signing.current_key().public]


def verdict(export_data, trusted=None):
    try:
        return verify_audit.verify(export_data, trusted or keys())
    except verify_audit.Failure as exc:
        return str(exc)


def test_an_untouched_export_verifies(export):
    entries, checkpoints = verdict(export)
    assert entries == len(export["entries"]) >= 30 and checkpoints == len(export["checkpoints"]) == 4
    # the export ends on the checkpoint the export itself published
    assert export["checkpoints"][-1]["size"] == export["entries"][-1]["seq"]
    assert len(export["consistency"]) == 3


def test_the_command_line_exit_codes_and_messages(export, tmp_path):
    key_file = tmp_path / "audit.pub"
    key_file.write_text(signing.current_key().public_b64 + "\n")
    good = tmp_path / "export.json"
    good.write_text(json.dumps(export))
    run = subprocess.run(
        [sys.executable, "-I", str(PATH), str(good), "--key", str(key_file)], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip() == f"OK {len(export['entries'])} entries, 4 checkpoints"
    bad = copy.deepcopy(export)
    bad["entries"][3]["message"] = "rewritten"
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(bad))
    run = subprocess.run(
        [sys.executable, "-I", str(PATH), str(tampered), "--key", str(key_file)], capture_output=True, text=True
    )
    entry = export["entries"][3]
    assert run.returncode == 1
    assert (
        run.stdout.strip()
        == f"FAIL entry id={entry['id']} seq={entry['seq']}: content does not match its hash (entry modified)"
    )
    run = subprocess.run([sys.executable, "-I", str(PATH), str(tmp_path / "missing.json"), "--key", str(key_file)])
    assert run.returncode == 1


def test_the_verifier_needs_only_the_standard_library_and_cryptography():
    tree = ast.parse(PATH.read_text())
    modules = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    modules |= {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert modules - set(sys.stdlib_module_names) == {"cryptography"}


def rehash_from(data, position):
    """Recompute content and chain hashes from `position` on, as a careful forger would."""
    entries = data["entries"]
    for i in range(position, len(entries)):
        entry = entries[i]
        entry["seq"] = data["tree"]["first_index"] + i + 1
        if i:
            entry["prev_hash"] = entries[i - 1]["entry_hash"]
        entry["content_hash"] = verify_audit.content_hash(entry)
        entry["entry_hash"] = verify_audit.link_hash(entry["prev_hash"], entry["seq"], entry["content_hash"])


def resign(checkpoint, private, name, root=None):
    """The checkpoint's note signed again (optionally over another root) by `private`."""
    public = private.public_key().public_bytes_raw()
    root = bytes.fromhex(checkpoint["root_hash"]) if root is None else root
    body = f"{signing.origin()}\n{checkpoint['size']}\n{base64.b64encode(root).decode()}\n"
    blob = verify_audit.key_hash(name, public) + private.sign(body.encode())
    return {**checkpoint, "root_hash": root.hex(), "note": f"{body}\n\u2014 {name} {base64.b64encode(blob).decode()}\n"}


def test_edit_a_field(export):
    entry = export["entries"][5]
    export["entries"][5]["object_repr"] = "edited"
    assert (
        verdict(export)
        == f"entry id={entry['id']} seq={entry['seq']}: content does not match its hash (entry modified)"
    )


def test_edit_a_field_and_rehash_the_chain(export):
    export["entries"][5]["actor_username"] = "someone-else"
    rehash_from(export, 5)
    assert "its root is not the tree of the entries" in verdict(export)


@pytest.mark.parametrize(
    "tamper,message",
    [
        (lambda e: e.pop(6), "expected seq"),
        (lambda e: e.insert(6, copy.deepcopy(e[2])), "expected seq"),
        (lambda e: e.__setitem__(slice(6, 8), [e[7], e[6]]), "expected seq"),
        (lambda e: e.__delitem__(slice(-3, None)), "entries at the end missing"),
        (lambda e: e[9].__setitem__("prev_hash", e[7]["entry_hash"]), "prev_hash does not match"),
        (lambda e: e[9].__setitem__("entry_hash", "0" * 64), "entry_hash does not match"),
    ],
    ids=["delete", "insert", "reorder", "truncate-tail", "relink", "entry-hash"],
)
def test_delete_insert_reorder_truncate(export, tamper, message):
    tamper(export["entries"])
    assert message in verdict(export)


@pytest.mark.parametrize("mode", ["delete", "insert", "reorder"])
def test_rechained_deletions_insertions_and_reorders_are_caught_by_the_tree(export, mode):
    entries = export["entries"]
    if mode == "delete":
        entries.pop(6)
    elif mode == "insert":
        entries.insert(6, copy.deepcopy(entries[2]))
    else:
        entries[6], entries[7] = entries[7], entries[6]
    rehash_from(export, 6)
    result = verdict(export)
    assert isinstance(result, str) and ("its root is not" in result or "entries at the end missing" in result), result


def test_a_checkpoint_re_signed_with_another_key(export):
    other = Ed25519PrivateKey.generate()
    export["checkpoints"][1] = resign(export["checkpoints"][1], other, signing.current_key().name)
    size = export["checkpoints"][1]["size"]
    assert (
        verdict(export) == f"checkpoint size={size}: no signature by a trusted key (signed by another key, or unsigned)"
    )


def test_a_rewritten_history_signed_with_another_key(export):
    """A forger who rewrites entries and signs fresh checkpoints with a key of their own."""
    other = Ed25519PrivateKey.generate()
    export["entries"][2]["message"] = "never happened"
    rehash_from(export, 2)
    assert "no signature by a trusted key" in verdict(export) or "root is not" in verdict(export)
    # with the forger's key trusted instead, the forged roots are what fails
    assert "no signature by a trusted key" in verdict(export, [other.public_key().public_bytes_raw()])


def test_two_checkpoints_of_the_same_size_that_differ(export, settings):
    """A log that showed two histories: both heads validly signed by our own key."""
    honest = export["checkpoints"][1]
    forked = resign(honest, signing.current_key().private, signing.current_key().name, root=b"\x42" * 32)
    export["checkpoints"].insert(2, forked)
    assert (
        verdict(export)
        == f"checkpoint size={honest['size']}: two signed checkpoints of this size differ (a forked log)"
    )


def test_a_validly_signed_checkpoint_of_another_tree(export):
    checkpoint = export["checkpoints"][2]
    export["checkpoints"][2] = resign(
        checkpoint, signing.current_key().private, signing.current_key().name, b"\x01" * 32
    )
    assert verdict(export).startswith(f"checkpoint size={checkpoint['size']}: its root is not the tree")


def test_checkpoint_fields_must_match_the_signed_note(export):
    export["checkpoints"][0]["root_hash"] = "ab" * 32
    assert "differs from what its note signs" in verdict(export)


def test_an_altered_note_fails_its_signature(export):
    checkpoint = export["checkpoints"][0]
    checkpoint["note"] = checkpoint["note"].replace(f"\n{checkpoint['size']}\n", f"\n{checkpoint['size'] + 1}\n")
    assert "does not verify" in verdict(export)


def test_a_tampered_consistency_proof(export):
    proof = export["consistency"][1]["proof"]
    proof[0] = "00" * 32
    assert "not consistent with checkpoint" in verdict(export)
    export["consistency"].pop(1)
    assert "no consistency proof" in verdict(export)


def test_rotated_keys_are_all_trusted_from_the_key_file(export, settings, sealed, client_as):
    old = signing.current_key()
    settings.AUDIT_SIGNING_KEY = base64.b64encode(b"k" * 32).decode()
    _record(3, sealed)
    response = client_as(AUDITOR).get("/api/v1/audit-logs/export/", {"file_format": "json"})
    rotated = json.loads(b"".join(response.streaming_content))
    new = signing.current_key()
    assert "no signature by a trusted key" in verdict(rotated, [new.public])
    key_text = f"# {old.key_id}\n{old.public_b64}\n{new.public_b64}\n"
    assert verdict(rotated, verify_audit.load_keys(key_text))[1] == len(rotated["checkpoints"])


def test_an_export_that_starts_mid_tree_carries_the_prefix(export, sealed):
    transparency.publish_checkpoint()
    seqs = [e["seq"] for e in export["entries"]]
    queryset = AuditLog.objects.filter(link__seq__gte=seqs[11], link__seq__lte=seqs[-1])
    data = json.loads("".join(exports.json_chunks(queryset, transparency.export_envelope(queryset))))
    assert data["tree"]["first_index"] == seqs[11] - 1 and data["tree"]["prefix"]
    assert verdict(data) == (len(seqs) - 11, len([c for c in export["checkpoints"] if c["size"] >= seqs[11]]))
    data["tree"]["prefix"][0] = "11" * 32
    assert "its root is not the tree" in verdict(data)


TAMPERS = ("edit", "delete", "insert", "swap", "truncate")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tamper=st.sampled_from(TAMPERS), data=st.data(), rechain=st.booleans())
def test_any_tamper_at_any_position_is_caught(export, tamper, data, rechain):
    tampered = copy.deepcopy(export)
    entries = tampered["entries"]
    at = data.draw(st.integers(0, len(entries) - 2), label="position")
    if tamper == "edit":
        field = data.draw(st.sampled_from([f for f in verify_audit.CONTENT_FIELDS if f != "ip_address"]), label="field")
        entries[at][field] = data.draw(st.text(max_size=5) | st.integers(0, 9), label="value")
        if entries[at][field] == export["entries"][at][field]:
            entries[at][field] = f"{entries[at][field]}!"
    elif tamper == "delete":
        entries.pop(at)
    elif tamper == "insert":
        entries.insert(at, copy.deepcopy(entries[data.draw(st.integers(0, len(entries) - 1), label="copy")]))
    elif tamper == "swap":
        entries[at], entries[at + 1] = entries[at + 1], entries[at]
    else:
        del entries[at + 1 :]
    if rechain:
        rehash_from(tampered, min(at, len(entries) - 1))
    assert isinstance(verdict(tampered), str)
