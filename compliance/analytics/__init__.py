"""The analytics service: the one source of figures for the API, the pages and the reports.

Everything here reads rollups, LatestEvaluation, the status history and small tables;
nothing scans raw evaluations. Public names are stable: reports call them.
"""

from .dashboard import compliance_stats, finding_age_buckets, framework_distribution, open_findings_by_severity
from .detail import framework_controls, rule_detail
from .explain import score_explanation
from .history import regressions, score_as_of
from .performance import evaluation_metrics
from .trends import MAX_DAYS, MIN_DAYS, trend, validate_days

__all__ = [
    "MAX_DAYS",
    "MIN_DAYS",
    "compliance_stats",
    "evaluation_metrics",
    "finding_age_buckets",
    "framework_controls",
    "framework_distribution",
    "open_findings_by_severity",
    "regressions",
    "rule_detail",
    "score_as_of",
    "score_explanation",
    "trend",
    "validate_days",
]
