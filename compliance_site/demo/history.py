"""180 days of evaluations for the demo organisation, replayed through the real ingest path.

Each (rule, data source) pair has its own reliability; failures tend to persist for a few
checks before someone fixes them; the organisation slowly gets better; the regressions of
catalog.REGRESSIONS force failures on named sources for a stretch (some still open today).
Rows go through validate_evaluation_rows + record_evaluations one week at a time, in time
order, so findings, latest state and rollups are exactly what production would hold.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from compliance.evaluations import record_evaluations, validate_evaluation_rows

from .catalog import REGRESSIONS

DAYS = 180
BATCH_DAYS = 7
SOURCE = "demo"
# Automated checks every third day, people-driven checks monthly: ~19,000 evaluations, which
# keeps `make run`'s first start well under a minute on two cores.
CADENCE_DAYS = {"automated": 3, "configuration": 3, "policy": 30, "manual": 30, "documentation": 30}


@dataclass
class Pair:
    rule_id: int
    source_id: int
    theme: str
    source_name: str
    rule_type: str
    reliability: float
    not_applicable: bool
    failing: bool = False


def _regression_active(pair, day):
    for theme, sources, first, last in REGRESSIONS:
        if pair.theme == theme and pair.source_name in sources and first <= day <= (last if last is not None else DAYS):
            return True
    return False


def _status(pair, day, rng):
    if pair.not_applicable:
        return "not_applicable"
    if _regression_active(pair, day):
        pair.failing = True
        return "failed"
    if rng.random() < 0.01:
        return "error"  # the check itself could not run (timeout, API error)
    improvement = 1.4 - 0.8 * day / DAYS  # early months are worse than recent ones
    if pair.failing:
        pair.failing = rng.random() > 0.35  # someone fixes it within a few runs
    else:
        pair.failing = rng.random() < (1 - pair.reliability) * improvement
    return "failed" if pair.failing else "passed"


def _score(status, rng):
    if status == "passed":
        return round(rng.uniform(88, 100), 1)
    if status == "failed":
        return round(rng.uniform(25, 75), 1)
    return None


def _reliability(rng):
    """Most checks are steady; a minority flap (the ones a team keeps coming back to)."""
    return rng.uniform(0.985, 0.999) if rng.random() < 0.6 else rng.uniform(0.9, 0.98)


def make_pairs(rules, sources_by_type, rng, per_rule=3):
    """[(Pair)] choosing up to per_rule applicable sources per rule, the same ones for every
    rule of a theme (the same check, tracked against several frameworks)."""
    chosen_by_theme = {}
    pairs = []
    for rule, theme, source_types in rules:
        if theme not in chosen_by_theme:
            candidates = sorted((s for t in source_types for s in sources_by_type.get(t, [])), key=lambda s: s.name)
            # The sources a regression names are always in scope, or it could not replay.
            named = {name for r_theme, names, _, _ in REGRESSIONS if r_theme == theme for name in names}
            required = [s for s in candidates if s.name in named]
            others = [s for s in candidates if s.name not in named]
            picked = rng.sample(others, max(0, min(per_rule - len(required), len(others))))
            chosen_by_theme[theme] = sorted(required + picked, key=lambda s: s.name)
        for source in chosen_by_theme[theme]:
            pairs.append(
                Pair(
                    rule_id=rule.pk,
                    source_id=source.pk,
                    theme=theme,
                    source_name=source.name,
                    rule_type=rule.rule_type,
                    reliability=_reliability(rng),
                    not_applicable=rng.random() < 0.03,
                )
            )
    return pairs


def history_batches(*, pairs, rng, midnight):
    """Yield one list of raw evaluation dicts per BATCH_DAYS, oldest first (no database work)."""
    start = midnight - timedelta(days=DAYS)
    offsets = {id(pair): rng.randrange(CADENCE_DAYS[pair.rule_type]) for pair in pairs}
    for batch_start in range(0, DAYS, BATCH_DAYS):
        raw = []
        for day in range(batch_start, min(batch_start + BATCH_DAYS, DAYS)):
            for pair in pairs:
                if (day + offsets[id(pair)]) % CADENCE_DAYS[pair.rule_type]:
                    continue
                status = _status(pair, day, rng)
                # Never later than yesterday 23:59, so nothing lands in the future.
                at = start + timedelta(days=day, minutes=rng.randrange(24 * 60))
                raw.append(
                    {
                        "rule": pair.rule_id,
                        "data_source": pair.source_id,
                        "status": status,
                        "score": _score(status, rng),
                        "evaluated_at": at.isoformat(),
                        "duration_ms": rng.randrange(40, 4000),
                        "details": {"demo": True, "day": day},
                    }
                )
        yield batch_start, raw


def generate_history(*, pairs, rng, log):
    """Write DAYS of evaluations for the pairs through the ingest service; returns (evaluations, opened)."""
    midnight = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    total = opened = 0
    for batch_start, raw in history_batches(pairs=pairs, rng=rng, midnight=midnight):
        rows, errors = validate_evaluation_rows(raw)
        if errors:
            raise ValueError(f"demo history produced invalid rows: {errors[:3]}")
        result = record_evaluations(rows=rows, source=SOURCE)
        total += len(rows)
        opened += len(result.opened)
        if batch_start % (BATCH_DAYS * 6) == 0:
            log(f"    day {batch_start:3d}/{DAYS}: {total} evaluations so far")
    return total, opened
