"""An RFC 6962 / RFC 9162 Merkle tree kept incrementally over stored perfect subtrees.

leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right), and the tree of n
leaves splits at the largest power of two below n, as RFC 6962 section 2.1 has it.

Only perfect subtrees are ever stored: node (level, index) covers the leaves
[index * 2**level, (index + 1) * 2**level). Every hash a root or a proof needs is a fold of
O(log n) of them (the binary decomposition of a range), so a checkpoint costs O(log n)
lookups on top of the new leaves, and a proof O(log n) lookups in one batch. Appending a
leaf writes it and the perfect subtrees it completes (two nodes per leaf on average).

Pure Python with no Django: the store is any object with get_many(keys) -> {key: hash};
audit.transparency keeps it in the database, the benchmarks in memory.
"""

import hashlib

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
# A node's key in one integer: level in the top bits, index below (an index < 2**57).
LEVEL_SHIFT = 57


def leaf_hash(data):
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left, right):
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def key(level, index):
    return (level << LEVEL_SHIFT) | index


def largest_power_below(n):
    """The largest power of two strictly less than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def perfect_parts(lo, hi):
    """Keys of the perfect subtrees whose fold is the hash of leaves [lo, hi), left to right.

    `lo` is where RFC 6962's recursion puts a range: a multiple of the largest power of
    two not above hi - lo, so the parts are aligned and shrink from left to right.
    """
    parts = []
    while lo < hi:
        level = (hi - lo).bit_length() - 1
        parts.append(key(level, lo >> level))
        lo += 1 << level
    return parts


def fold(hashes):
    """The hash of a range from its perfect parts (left to right): each joins the rest on its left."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def frontier_keys(size):
    """Keys of the perfect subtrees along the right edge of a tree of `size` leaves (largest first)."""
    return perfect_parts(0, size)


class Appender:
    """Appends leaves to a tree of `size` leaves whose frontier hashes are `frontier` (largest first).

    Collects the new nodes as (key, hash) in `nodes`, for the caller to store.
    """

    def __init__(self, size, frontier):
        self.size = size
        # level -> hash of the perfect subtree at that level on the right edge
        self._edge = {}
        for node_key, value in zip(frontier_keys(size), frontier, strict=True):
            self._edge[node_key >> LEVEL_SHIFT] = value
        self.nodes = []

    def append(self, leaf):
        value, level, index = leaf, 0, self.size
        self.nodes.append((key(0, index), value))
        while index & 1:
            value = node_hash(self._edge.pop(level), value)
            index >>= 1
            level += 1
            self.nodes.append((key(level, index), value))
        self._edge[level] = value
        self.size += 1

    def frontier(self):
        return [self._edge[level] for level in sorted(self._edge, reverse=True)]

    def root(self):
        return root_from_frontier(self.frontier())


def root_from_frontier(frontier):
    return fold(frontier) if frontier else hashlib.sha256(b"").digest()


def root(store, size):
    """The root hash of the first `size` leaves (the hash of the empty string for none)."""
    if size == 0:
        return hashlib.sha256(b"").digest()
    return _Planned(store, [(0, size)]).hash(0, size)


def _inclusion_ranges(index, lo, hi, out):
    """RFC 9162 PATH(m, D[lo:hi]) as the ranges whose hashes it lists, innermost first."""
    while hi - lo > 1:
        k = largest_power_below(hi - lo)
        if index - lo < k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo = lo + k
    out.reverse()
    return out


def _consistency_ranges(m, lo, hi, out, whole=True):
    """RFC 9162 SUBPROOF(m, D[lo:hi], b) as ranges, innermost first."""
    stack = []
    while True:
        n = hi - lo
        if m == n:
            if not whole:
                stack.append((lo, hi))
            break
        k = largest_power_below(n)
        if m <= k:
            stack.append((lo + k, hi))
            hi = lo + k
        else:
            stack.append((lo, lo + k))
            m -= k
            lo += k
            whole = False
    out.extend(reversed(stack))
    return out


class _Planned:
    """Hashes of the ranges a proof needs, from one batched read of their perfect parts."""

    def __init__(self, store, ranges):
        needed = {part for lo, hi in ranges for part in perfect_parts(lo, hi)}
        self._nodes = store.get_many(sorted(needed))
        missing = needed - set(self._nodes)
        if missing:
            raise LookupError(f"the tree store lacks {len(missing)} node(s), e.g. {min(missing)}")

    def hash(self, lo, hi):
        return fold([self._nodes[part] for part in perfect_parts(lo, hi)])


def inclusion_proof(store, index, size):
    """The audit path of leaf `index` in the tree of `size` leaves (RFC 9162 section 2.1.3.1)."""
    if not 0 <= index < size:
        raise ValueError("the leaf index must be below the tree size")
    ranges = _inclusion_ranges(index, 0, size, [])
    planned = _Planned(store, ranges)
    return [planned.hash(lo, hi) for lo, hi in ranges]


def consistency_proof(store, first, second):
    """The consistency proof from the tree of `first` leaves to that of `second` (RFC 9162 2.1.4.1)."""
    if not 0 < first <= second:
        raise ValueError("consistency needs 0 < first <= second")
    if first == second:
        return []
    ranges = _consistency_ranges(first, 0, second, [])
    planned = _Planned(store, ranges)
    return [planned.hash(lo, hi) for lo, hi in ranges]


class MemoryStore:
    """Nodes in a dict: for benchmarks and tests of the algorithm alone."""

    def __init__(self):
        self.nodes = {}
        self.size = 0

    def get_many(self, keys):
        nodes = self.nodes
        return {k: nodes[k] for k in keys if k in nodes}

    def extend(self, leaves):
        appender = Appender(self.size, [self.nodes[k] for k in frontier_keys(self.size)])
        for leaf in leaves:
            appender.append(leaf)
        self.nodes.update(appender.nodes)
        self.size = appender.size
        return appender.root()
