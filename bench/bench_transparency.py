"""The transparency log's cost as the tree grows: a checkpoint and a proof at 1,000 entries
(the baseline), 1,000,000 and 10,000,000 (they must stay flat-ish: O(log n)).

The trees are built from generated leaves (SHA-256 of the index), not through the ORM.
In memory (audit.merkle with per-level arrays): 1k, 1M and 10M leaves. In PostgreSQL
(audit.transparency: the node table, chain links, publish_checkpoint as the beat task runs
it): 1k and 1M, the nodes and links written with COPY on a database of its own.

    .venv/bin/python bench/bench_transparency.py [--sizes 1000,1000000,10000000] [--db-size 1000000]
"""

import argparse
import hashlib
import random
import statistics
import sys
import time

from harness import ROOT, machine_note, row, setup_django

DATABASE = "bench_transparency"
SEED = 21
CHUNK = 500_000


def entry_hash(i):
    return hashlib.sha256(i.to_bytes(8, "big")).hexdigest()


class LevelStore:
    """Every perfect subtree, as 32-byte slots of one bytearray per level (640 MB at 10M leaves)."""

    def __init__(self):
        self.levels = []
        self.size = 0

    def get_many(self, keys):
        from audit import merkle

        out = {}
        mask = (1 << merkle.LEVEL_SHIFT) - 1
        for k in keys:
            level, index = k >> merkle.LEVEL_SHIFT, k & mask
            if level < len(self.levels) and (index + 1) * 32 <= len(self.levels[level]):
                out[k] = bytes(self.levels[level][index * 32 : index * 32 + 32])
        return out

    def put(self, nodes):
        from audit import merkle

        mask = (1 << merkle.LEVEL_SHIFT) - 1
        for k, value in nodes:
            level, index = k >> merkle.LEVEL_SHIFT, k & mask
            while len(self.levels) <= level:
                self.levels.append(bytearray())
            assert len(self.levels[level]) == index * 32, (level, index)
            self.levels[level] += value

    def extend(self, leaves):
        from audit import merkle

        keys = merkle.frontier_keys(self.size)
        nodes = self.get_many(keys)
        appender = merkle.Appender(self.size, [nodes[k] for k in keys])
        for leaf in leaves:
            appender.append(leaf)
        self.put(appender.nodes)
        self.size = appender.size
        return appender


def leaves(start, stop):
    from audit import merkle

    sha, leaf_prefix = hashlib.sha256, merkle.LEAF_PREFIX
    for i in range(start, stop):
        yield sha(leaf_prefix + sha(i.to_bytes(8, "big")).digest()).digest()


def timed(fn, repeat):
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def measure_memory(store, rng):
    """(ms to add 1 leaf and take the root, to add 1000 and take the root, per inclusion, per consistency proof)."""
    from audit import merkle

    n = store.size

    def one():
        store.extend(leaves(store.size, store.size + 1)).root()

    def thousand():
        store.extend(leaves(store.size, store.size + 1000)).root()

    add_one = timed(one, 50)
    add_thousand = timed(thousand, 10)
    size = store.size
    inclusion = timed(lambda: merkle.inclusion_proof(store, rng.randrange(size), size), 500)
    consistency = timed(lambda: merkle.consistency_proof(store, rng.randrange(1, n), size), 500)
    return add_one, add_thousand, inclusion, consistency


def memory_part(sizes):
    rng = random.Random(SEED)
    results = {}
    store = LevelStore()
    for size in sizes:
        start = time.perf_counter()
        while store.size < size:  # in chunks: the appender holds its new nodes until they are stored
            store.extend(leaves(store.size, min(size, store.size + CHUNK)))
        built = time.perf_counter() - start
        results[size] = measure_memory(store, rng)
        print(f"  in memory: built {size:>11,} leaves in {built:6.1f} s", flush=True)
    base = results[sizes[0]]
    print(f"\nIn memory (audit.merkle), baseline = a tree of {sizes[0]:,} leaves:")
    for size in sizes[1:]:
        ours = results[size]
        row(f"checkpoint, 1 new leaf, {size:,}", ours[0], base[0])
        row(f"checkpoint, 1000 new leaves, {size:,}", ours[1], base[1])
        row(f"inclusion proof, {size:,}", ours[2], base[2])
        row(f"consistency proof, {size:,}", ours[3], base[3])


def copy_tree(store_nodes, links_from, links_to):
    """COPY nodes (position, hash) and chain links [links_from, links_to) into the bench database."""
    from django.db import connection

    with connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor() as c, c.copy("COPY audit_auditmerklenode (position, hash) FROM STDIN") as copy:
            for position, value in store_nodes:
                copy.write_row((position, value))
        with (
            raw.cursor() as c,
            c.copy("COPY audit_auditchainlink (seq, entry_id, prev_hash, entry_hash) FROM STDIN") as copy,
        ):
            for seq in range(links_from, links_to):
                copy.write_row((seq, seq, entry_hash(seq - 2) if seq > 1 else "", entry_hash(seq - 1)))


def measure_database(rng):
    """(ms of publish_checkpoint over 1 new link, over 1000 new links, ms per inclusion proof, per consistency)."""
    from django.db import connection

    from audit import transparency

    def publish_with(new):
        top = transparency.tree_size()
        copy_tree([], top + 1, top + 1 + new)
        start = time.perf_counter()
        transparency.publish_checkpoint()
        return (time.perf_counter() - start) * 1000

    one = statistics.median(publish_with(1) for _ in range(15))
    thousand = statistics.median(publish_with(1000) for _ in range(5))
    n = transparency.tree_size()
    inclusion = timed(lambda: transparency.inclusion_proof(rng.randrange(n), n), 200)
    consistency = timed(lambda: transparency.consistency_proof(rng.randrange(1, n), n), 200)
    connection.close()
    return one, thousand, inclusion, consistency


def database_part(sizes):
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    setup_django(DATABASE)
    from django.db import connection

    with connection.cursor() as cursor:
        # Migrating wrote entries (the built-in roles): start from an empty chain. A fresh
        # database of its own, so the append-only triggers may be bypassed here.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("TRUNCATE audit_auditlog, audit_auditchainlink")
        cursor.execute("SET session_replication_role = DEFAULT")
    rng = random.Random(SEED)
    memory = LevelStore()
    results = {}
    for size in sizes:
        # The tree and links up to `size` (links include those publish_checkpoint added before).
        start = time.perf_counter()
        while memory.size < size:
            first = memory.size
            appender = memory.extend(leaves(first, min(size, first + CHUNK)))
            copy_tree(appender.nodes, first + 1, memory.size + 1)
        print(f"  in PostgreSQL: wrote {size:>11,} leaves in {time.perf_counter() - start:6.1f} s", flush=True)
        # What autovacuum does to a table that grew: statistics and the visibility map, so
        # the figures are of a settled table, not of the first reads after a bulk load.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE audit_auditmerklenode")
            cursor.execute("VACUUM ANALYZE audit_auditchainlink")
        results[size] = measure_database(rng)
        # publish_checkpoint grew the database's tree: the memory tree follows.
        from audit import transparency

        memory.extend(leaves(memory.size, transparency.tree_size()))
    base = results[sizes[0]]
    print(f"\nIn PostgreSQL (audit.transparency), baseline = a tree of {sizes[0]:,} leaves:")
    for size in sizes[1:]:
        ours = results[size]
        row(f"publish_checkpoint, 1 new entry, {size:,}", ours[0], base[0])
        row(f"publish_checkpoint, 1000 new entries, {size:,}", ours[1], base[1])
        row(f"inclusion proof, {size:,}", ours[2], base[2])
        row(f"consistency proof, {size:,}", ours[3], base[3])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,1000000,10000000")
    parser.add_argument("--db-sizes", default="1000,1000000")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    print(f"bench_transparency ({machine_note()})")
    memory_part([int(s) for s in args.sizes.split(",")])
    database_part([int(s) for s in args.db_sizes.split(",")])


if __name__ == "__main__":
    main()
