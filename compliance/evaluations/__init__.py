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
from importlib import import_module

_FACE = {
    "validate_evaluation_rows": "rows", "EvaluationRow": "rows",
    "record_evaluations": "ingest", "IngestResult": "ingest",
    "ScoreTally": "scores", "tally": "scores", "score": "scores", "combine_tallies": "scores",
    "score_from_weights": "scores", "as_of_moment": "scores", "latest_in_scope": "scores",
    "COUNT_FIELDS": "rollups", "rebuild_rollups": "rollups", "live_rollup_rows": "rollups",
    "rebuild_status_history": "status_history",
}

__all__ = sorted(_FACE)


def __getattr__(name):
    module = _FACE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups skip this function
    return value
