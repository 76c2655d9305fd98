"""The RFC 6962 tree (audit/merkle.py) against a direct reading of RFC 6962 section 2.1, and
its proofs checked by the standalone verifier's RFC 9162 algorithms (an independent
implementation). No database."""

import hashlib

from hypothesis import given, settings
from hypothesis import strategies as st

from audit import merkle

from .verifier import verify_audit


def reference_root(leaves):
    """MTH(D[n]) exactly as RFC 6962 defines it."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = merkle.largest_power_below(len(leaves))
    return merkle.node_hash(reference_root(leaves[:k]), reference_root(leaves[k:]))


def leaves_of(n):
    return [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


def test_hashes_are_rfc_6962_with_domain_separation():
    assert merkle.leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    a, b = b"a" * 32, b"b" * 32
    assert merkle.node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest()
    # a known vector: the root of the two leaves "" and "\x00" (RFC 6962 test data)
    two = merkle.node_hash(merkle.leaf_hash(b""), merkle.leaf_hash(b"\x00"))
    assert two.hex() == "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"


def test_incremental_roots_equal_the_reference_at_every_size():
    leaves = leaves_of(67)
    store = merkle.MemoryStore()
    for start in range(0, 67, 5):
        assert store.extend(leaves[start : start + 5]) == reference_root(leaves[: start + 5])
    for n in range(68):
        assert merkle.root(store, n) == reference_root(leaves[:n])


def test_stored_nodes_are_perfect_subtrees_two_per_leaf():
    store = merkle.MemoryStore()
    store.extend(leaves_of(1000))
    assert len(store.nodes) < 2 * 1000
    assert all(merkle.key(level, 0) in store.nodes for level in range(10))


class CountingStore(merkle.MemoryStore):
    reads = 0

    def get_many(self, keys):
        self.reads += len(keys)
        return super().get_many(keys)


def test_proofs_read_o_log_n_nodes():
    store = CountingStore()
    store.extend(leaves_of(5000))
    for n in (17, 1000, 4999, 5000):
        store.reads = 0
        merkle.inclusion_proof(store, 3, n)
        merkle.consistency_proof(store, 7, n)
        merkle.root(store, n)
        assert store.reads <= 3 * n.bit_length() ** 2 // 2


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 300), st.data())
def test_proofs_verify_with_the_standalone_verifier(size, data):
    leaves = leaves_of(size)
    store = merkle.MemoryStore()
    store.extend(leaves)
    root = reference_root(leaves)
    index = data.draw(st.integers(0, size - 1))
    path = merkle.inclusion_proof(store, index, size)
    assert verify_audit.verify_inclusion(index, size, leaves[index], path, root)
    assert not verify_audit.verify_inclusion(index, size, merkle.leaf_hash(b"other"), path, root)
    first = data.draw(st.integers(1, size))
    proof = merkle.consistency_proof(store, first, size)
    first_root = reference_root(leaves[:first])
    assert verify_audit.verify_consistency(first, size, first_root, root, proof)
    if first < size:
        assert not verify_audit.verify_consistency(first, size, merkle.leaf_hash(b"x"), root, proof)
    # the verifier grows the same tree from a prefix of perfect subtrees
    tree = verify_audit.Tree(first, [store.nodes[k] for k in merkle.frontier_keys(first)])
    for leaf in leaves[first:]:
        tree.append(leaf)
    assert tree.root() == root
