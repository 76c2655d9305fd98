"""Whole-system and per-framework score tallies from pre-counted latest statuses.

Same result as scoring.score_tallies_by_framework() (the tests compare them), read from
LatestStatusCount, at most rules × 4 rows, instead of every LatestEvaluation; the weighting
stays scoring.ScoreTally's.
"""
from collections import defaultdict

from django.db import connection
from django.db.models import Sum

from ..models_rollups import LatestStatusCount
from ..scoring import ScoreTally, score_tallies_by_framework


def framework_tallies():
    """{framework_id: ScoreTally} for every framework with latest evaluations of active rules."""
    if connection.vendor != "postgresql":  # the counts are kept by PostgreSQL triggers
        return score_tallies_by_framework()
    tallies = defaultdict(ScoreTally)
    rows = (
        LatestStatusCount.objects.filter(rule__is_active=True, pairs__gt=0)
        .values("rule__framework_id", "status", "rule__severity")
        .annotate(n=Sum("pairs"))
        .order_by()
    )
    for row in rows:
        key = row["rule__framework_id"]
        tallies[key] = tallies[key].add(status=row["status"], severity=row["rule__severity"], count=row["n"])
    return dict(tallies)
