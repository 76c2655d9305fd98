"""Where an ingest batch's time goes: wall time per step of record_evaluations.

Benchmark instrumentation, never used by the application or its tests: each step is a
module-level function (or method) that ingest or the status history calls through its
module's namespace, so wrapping that name times exactly that call, inside the real
transaction. Labels indented by two spaces are parts of the step above them.

    with timed_steps() as spent:
        record_evaluations(rows=rows)
    spent  # {"status history: neighbour probes": seconds, ...}
"""

import time
from collections import defaultdict
from contextlib import contextmanager

# (module, function name, label), in the order ingest runs them. The status history's
# own steps are timed inside its total.
STEPS = (
    (None, None, "JSON parse + validation"),  # timed by the caller, before the transaction
    ("compliance.evaluations.ingest", "horizon", "retention horizon held"),
    ("compliance.evaluations.ingest", "ensure_batch_partitions", "partitions ensured"),
    ("compliance.evaluations.ingest", "reserve_ids", "ids reserved"),
    ("compliance.evaluations.ingest", "_lock_pairs", "pair locks"),
    ("compliance.evaluations.ingest", "_hold_rules_and_sources", "rules and sources held"),
    ("compliance.evaluations.ingest", "_latest", "latest state read"),
    ("compliance.evaluations.ingest", "record_status_changes", "status history (all of it)"),
    ("compliance.evaluations.status_history", "_neighbours", "  late arrivals' neighbour probes"),
    ("compliance.evaluations.status_history", "_delete_changes", "  changes deleted"),
    ("compliance.evaluations.status_history", "_insert_changes", "  changes written"),
    ("compliance.evaluations.status_history", "add_to_rollups", "  status-change rollups"),
    ("compliance.evaluations.ingest", "copy_evaluations", "COPY of the rows"),
    ("compliance.evaluations.ingest", "add_evaluations", "daily rollups"),
    ("compliance.evaluations.ingest", "_findings", "findings read"),
    ("compliance.evaluations.ingest", "upsert_latest", "LatestEvaluation upsert"),
    ("compliance.evaluations.ingest", "_FindingBook.save", "findings written"),
    ("compliance.evaluations.ingest", "update_findings", "  of which updates"),
    ("compliance.evaluations.ingest", "record_event", "audit entry"),
    ("compliance.evaluations.ingest", "_FindingBook.send_signals", "finding signals"),
)


@contextmanager
def timed_steps():
    """Yield {label: seconds} that fills while the block runs; the names are restored after."""
    import importlib

    spent = defaultdict(float)
    originals = []
    for module_name, name, label in STEPS:
        if module_name is None:
            continue
        owner = importlib.import_module(module_name)
        *path, name = name.split(".")  # "Class.method" wraps the method on its class
        for part in path:
            owner = getattr(owner, part)
        original = getattr(owner, name)
        originals.append((owner, name, original))

        def timed(*args, _original=original, _label=label, **kwargs):
            began = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_label] += time.perf_counter() - began

        setattr(owner, name, timed)
    try:
        yield spent
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)


def print_steps(columns):
    """`columns`: {heading: {label: mean ms}}, printed as one table, a row per step."""
    headings = list(columns)
    print(f"\n{'step (mean ms per 10,000-row batch)':<40}" + "".join(f"{h:>14}" for h in headings))
    labels = [label for _, _, label in STEPS] + ["rest (Python, commit)", "record_evaluations, whole"]
    for label in labels:
        values = [columns[h].get(label) for h in headings]
        if all(v is None for v in values):
            continue
        print(f"{label:<40}" + "".join(f"{'' if v is None else f'{v:,.1f}':>14}" for v in values))


_CALLER = STEPS[0][2]


def summarise(samples):
    """Mean ms per step over `samples` [(whole seconds, {label: seconds})], with the rest."""
    out = defaultdict(float)
    for whole, spent in samples:
        top = sum(seconds for label, seconds in spent.items() if not label.startswith(" ") and label != _CALLER)
        for label, seconds in spent.items():
            out[label] += seconds * 1000 / len(samples)
        out["rest (Python, commit)"] += (whole - top) * 1000 / len(samples)
        out["record_evaluations, whole"] += whole * 1000 / len(samples)
    return dict(out)
