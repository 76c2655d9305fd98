"""Evaluations and everything derived from them, behind one public face.

What goes in: `validate_evaluation_rows` (rows.py) then `record_evaluations` (ingest.py),
the only way an evaluation is stored. In the same transaction it keeps the derived state:
LatestEvaluation and the findings (ingest.py, set-based writes in bulk_writes.py), the
daily rollups (rollups.py), the status history (status_history.py), and LatestStatusCount
(PostgreSQL triggers of migration 0003); receivers.py takes a deleted rule's or data
source's rows out first. What comes out: `tally` / `score` (scores.py), the one score
function, and the rollup rows the trends read. `rebuild_rollups` and
`rebuild_status_history` recompute the derived state from the raw rows (repairs, backfills).

Import the names below from `compliance.evaluations`. They load on first use: Django
imports this package's models while the app registry is still filling (compliance.models
re-exports them), so the package must not import its services, which import
compliance.models, at import time.
"""

_FACE = {
    "rows": ("validate_evaluation_rows", "EvaluationRow"),
    "ingest": ("record_evaluations", "IngestResult"),
    "scores": (
        "ScoreTally",
        "tally",
        "score",
        "combine_tallies",
        "score_from_weights",
        "as_of_moment",
        "latest_in_scope",
    ),
    "rollups": ("COUNT_FIELDS", "rebuild_rollups", "live_rollup_rows"),
    "status_history": ("rebuild_status_history",),
}
__all__ = sorted(name for names in _FACE.values() for name in names)


def _module_of(name):
    # Plain relative imports (not import_module), so tools that read imports see these.
    if name in _FACE["rows"]:
        from . import rows as module
    elif name in _FACE["ingest"]:
        from . import ingest as module
    elif name in _FACE["scores"]:
        from . import scores as module
    elif name in _FACE["rollups"]:
        from . import rollups as module
    elif name in _FACE["status_history"]:
        from . import status_history as module
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return module


def __getattr__(name):
    value = getattr(_module_of(name), name)
    globals()[name] = value  # later lookups skip this function
    return value
